import "server-only";
import { findImagesByPosition } from "@/db/images";
import { findRequest, listProducts } from "@/db/requests";
import type { RequestRow } from "@/db/schema";
import { type Client, mayChange, maySee } from "@/lib/auth/identify-client";
import { config } from "@/lib/config";
import { getStorage } from "@/lib/storage/get-storage";
import { requestLinks } from "./links";
import { originalPreviewUrlOf, outputThumbnailUrlOf, outputUrlOf, thumbnailUrlOf } from "./output-url";
import {
  type ImageStatus,
  type OutputOptions,
  type Progress,
  readOutputFormat,
  type RequestStatus,
  type RequestStatusLight,
  type RequestSummary,
} from "@/lib/contract";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/**
 * A page holds at most this many images: building and sending an answer holds the thread that
 * answers everyone, and 500 rows of 50 images would be 25,000 of them (7 MB of JSON). With rows of
 * up to `MAX_URLS_PER_ROW` images, pages are cut to fit (100 products with the defaults).
 */
const MAX_PAGE_IMAGES = 5_000;

/** The page actually answered: the size within bounds, a page past the end the last one. */
export function pageOf(
  totalProducts: number,
  { page = 1, pageSize = DEFAULT_PAGE_SIZE }: { page?: number; pageSize?: number },
) {
  const largest = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(MAX_PAGE_IMAGES / config.csv.maxUrlsPerRow)));
  const size = clamp(pageSize, 1, largest);
  const totalPages = Math.max(1, Math.ceil(totalProducts / size));
  return { page: clamp(page, 1, totalPages), pageSize: size, totalPages };
}

/** A status with its request's owner, for the callers that decide who may see it. */
export type OwnedStatus<T> = { owner: string | null; status: T };

/** A request's state from its counters alone: one row read, whatever the size of the request. */
export async function loadRequestStatusLight(requestId: string): Promise<OwnedStatus<RequestStatusLight> | null> {
  const request = await findRequest(requestId);
  return request ? { owner: request.owner, status: lightStatus(request) } : null;
}

type StatusQuery = { requestId: string; page?: number; pageSize?: number };

/** The request page's view: the status, and whether this client may retry, cancel or delete the request. */
export async function getRequestPageStatus(
  client: Client | null,
  query: StatusQuery,
): Promise<{ status: RequestStatus; changeable: boolean; webhookSecret: string | null } | null> {
  const loaded = await loadRequestStatus(query);
  if (!loaded || !maySee(client, loaded.owner)) return null;
  const changeable = mayChange(client, loaded.owner);
  // The secret its own webhook is signed with, for its owner's eyes: status is anyone's who has the id.
  const webhookSecret = changeable ? ((await findRequest(query.requestId))?.webhookSecret ?? null) : null;
  return { status: loaded.status, changeable, webhookSecret };
}

/**
 * A request's state from its counters, plus one page of its products with their images.
 * Null for an unknown request.
 */
export async function loadRequestStatus({
  requestId,
  page = 1,
  pageSize = DEFAULT_PAGE_SIZE,
}: StatusQuery): Promise<OwnedStatus<RequestStatus> | null> {
  const request = await findRequest(requestId);
  if (!request) return null;

  const { page: current, pageSize: size, totalPages } = pageOf(request.totalProducts, { page, pageSize });
  const productRows = await listProducts({ requestId, limit: size, offset: (current - 1) * size });
  const imagesByPosition = await findImagesByPosition({
    requestId,
    positions: productRows.flatMap((row) => row.imagePositions),
  });
  const storage = await getStorage();

  const describe = async (position: number): Promise<ImageStatus> => {
    const image = imagesByPosition.get(position);
    return {
      inputUrl: image?.url ?? "",
      outputUrl: await outputUrlOf(image, storage),
      thumbnailUrl: await thumbnailUrlOf(image, storage),
      outputThumbnailUrl: await outputThumbnailUrlOf(image, storage),
      originalPreviewUrl: await originalPreviewUrlOf(image, storage),
      status: image?.status ?? "pending",
      error: image?.status === "completed" ? null : (image?.error ?? null),
      bytesIn: image?.bytesIn ?? null,
      bytesOut: image?.bytesOut ?? null,
      optimized: image?.optimized ?? null,
      format: image?.format ?? null,
      reused: image?.reused ?? false,
      width: image?.width ?? null,
      height: image?.height ?? null,
    };
  };

  const status: RequestStatus = {
    ...lightStatus(request),
    products: await Promise.all(
      productRows.map(async (row) => ({
        serialNumber: row.serialNumber,
        productName: row.productName,
        rowNumber: row.rowNumber,
        images: await Promise.all(row.imagePositions.map(describe)),
      })),
    ),
    pagination: { page: current, pageSize: size, totalItems: request.totalProducts, totalPages },
  };
  return { owner: request.owner, status };
}

function lightStatus(request: RequestRow): RequestStatusLight {
  return {
    ...summarize(request),
    updatedAt: request.updatedAt.toISOString(),
    quality: request.quality,
    options: outputOptionsOf(request),
    error: request.error,
    expiresAt: expiresAt(request)?.toISOString() ?? null,
    webhook: request.webhookUrl
      ? {
          url: shownWebhookUrl(request.webhookUrl),
          status: request.webhookStatus ?? "pending",
          attempts: request.webhookAttempts,
          lastError: request.webhookLastError,
          deliveredAt: request.webhookDeliveredAt?.toISOString() ?? null,
        }
      : null,
  };
}

export function summarize(request: RequestRow): RequestSummary {
  return {
    requestId: request.id,
    fileName: request.fileName,
    status: request.status,
    createdAt: request.createdAt.toISOString(),
    completedAt: request.completedAt?.toISOString() ?? null,
    totalProducts: request.totalProducts,
    progress: progressOf(request),
    totals: { bytesIn: request.bytesIn, bytesOut: request.bytesOut },
    ...requestLinks(request.id),
  };
}

export function progressOf(
  request: Pick<RequestRow, "totalImages" | "processedImages" | "failedImages" | "cancelledImages" | "reusedImages">,
): Progress {
  const finished = request.processedImages + request.failedImages + request.cancelledImages;
  return {
    totalImages: request.totalImages,
    processedImages: request.processedImages,
    failedImages: request.failedImages,
    cancelledImages: request.cancelledImages,
    reusedImages: request.reusedImages,
    // Rounded down: 100 only when every image is finished.
    percent: request.totalImages === 0 ? 100 : Math.floor((finished / request.totalImages) * 100),
  };
}

/** What the request asked its images to become. */
function outputOptionsOf(request: Pick<RequestRow, "outputFormat" | "maxWidth" | "maxHeight">): OutputOptions {
  return {
    format: readOutputFormat(request.outputFormat) ?? "keep",
    maxWidth: request.maxWidth,
    maxHeight: request.maxHeight,
  };
}

/** When retention deletes a finished request: RETENTION_DAYS after it closed. */
export function expiresAt(request: Pick<RequestRow, "completedAt">): Date | null {
  if (!request.completedAt || config.retentionDays === 0) return null;
  return new Date(request.completedAt.getTime() + config.retentionDays * DAY_MS);
}

const DAY_MS = 24 * 60 * 60 * 1000;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? Math.trunc(value) : min));
}

/**
 * A webhook URL as status shows it to anyone with the request id: origin and path only. Query
 * strings often carry the receiver's token, and the service's own default webhook is not shown at all.
 */
export function shownWebhookUrl(url: string | null): string | null {
  if (!url || url === config.webhook.defaultUrl) return null;
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}
