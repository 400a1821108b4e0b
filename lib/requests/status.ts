import "server-only";
import { findFirstTwins, findImagesByPosition, listImagesInState } from "@/db/images";
import { findRequest, listProducts, listProductsUsingImages } from "@/db/requests";
import type { ImageRow, RequestRow } from "@/db/schema";
import { type Client, mayChange, maySee } from "@/lib/auth/identify-client";
import { config } from "@/lib/config";
import { getStorage } from "@/lib/storage/get-storage";
import { activityOf } from "./activity";
import { requestLinks } from "./links";
import { originalPreviewUrlOf, outputThumbnailUrlOf, outputUrlOf, thumbnailUrlOf } from "./output-url";
import {
  type ImageFilterState,
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
  totalItems: number,
  { page = 1, pageSize = DEFAULT_PAGE_SIZE }: { page?: number; pageSize?: number },
  largest = Math.max(1, Math.min(MAX_PAGE_SIZE, Math.floor(MAX_PAGE_IMAGES / config.csv.maxUrlsPerRow))),
) {
  const size = clamp(pageSize, 1, largest);
  const totalPages = Math.max(1, Math.ceil(totalItems / size));
  return { page: clamp(page, 1, totalPages), pageSize: size, totalPages };
}

/** A status with its request's owner, for the callers that decide who may see it. */
export type OwnedStatus<T> = { owner: string | null; status: T };

/**
 * A request's state from its counters: one row read, plus (while it is processing) its activity
 * from two index reads, whatever the size of the request.
 */
export async function loadRequestStatusLight(requestId: string): Promise<OwnedStatus<RequestStatusLight> | null> {
  const request = await findRequest(requestId);
  return request ? { owner: request.owner, status: await lightStatus(request) } : null;
}

type StatusQuery = { requestId: string; page?: number; pageSize?: number; imageStatus?: ImageFilterState };

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
 * A request's state from its counters, plus one page of its products with their images; with
 * `imageStatus`, one page of the images in that state, shown in the rows that use them.
 * Null for an unknown request.
 */
export async function loadRequestStatus({
  requestId,
  page = 1,
  pageSize = DEFAULT_PAGE_SIZE,
  imageStatus,
}: StatusQuery): Promise<OwnedStatus<RequestStatus> | null> {
  const request = await findRequest(requestId);
  if (!request) return null;
  const light = await lightStatus(request);

  let productRows: Awaited<ReturnType<typeof listProducts>>;
  let imagesByPosition: Map<number, ImageRow>;
  let pagination: RequestStatus["pagination"];
  /** Which images of a row are shown: all of them, or those of the page asked for. */
  let shown: (position: number) => boolean = () => true;
  if (imageStatus) {
    const totalItems = countInState(request, light.activity.workingImages, imageStatus);
    const paged = pageOf(totalItems, { page, pageSize }, MAX_PAGE_SIZE);
    const pageImages = await listImagesInState({
      requestId,
      status: imageStatus,
      limit: paged.pageSize,
      offset: (paged.page - 1) * paged.pageSize,
    });
    imagesByPosition = new Map(pageImages.map((image) => [image.position, image]));
    productRows = await listProductsUsingImages({ requestId, positions: [...imagesByPosition.keys()] });
    shown = (position) => imagesByPosition.has(position);
    pagination = { page: paged.page, pageSize: paged.pageSize, totalItems, totalPages: paged.totalPages };
  } else {
    const paged = pageOf(request.totalProducts, { page, pageSize });
    productRows = await listProducts({ requestId, limit: paged.pageSize, offset: (paged.page - 1) * paged.pageSize });
    imagesByPosition = await findImagesByPosition({
      requestId,
      positions: productRows.flatMap((row) => row.imagePositions),
    });
    pagination = { ...paged, totalItems: request.totalProducts };
  }
  const twinRows = await twinRowsOf(requestId, [...imagesByPosition.values()]);
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
      sameAsRow: twinRows.get(position) ?? null,
    };
  };

  const status: RequestStatus = {
    ...light,
    products: await Promise.all(
      productRows.map(async (row) => ({
        serialNumber: row.serialNumber,
        productName: row.productName,
        rowNumber: row.rowNumber,
        images: await Promise.all(row.imagePositions.filter(shown).map(describe)),
      })),
    ),
    pagination,
    imageStatus: imageStatus ?? null,
  };
  return { owner: request.owner, status };
}

/** Images of the request in a state, from its counters (and the count of those under way). */
function countInState(request: RequestRow, working: number, state: ImageFilterState): number {
  switch (state) {
    case "completed":
      return request.processedImages;
    case "failed":
      return request.failedImages;
    case "cancelled":
      return request.cancelledImages;
    case "processing":
      return working;
  }
}

/**
 * For the reused images among these, the row of the first image of the same request with the same
 * bytes, when that is another image: they are twins within one upload, not a copy of an earlier one.
 */
async function twinRowsOf(requestId: string, shownImages: ImageRow[]): Promise<Map<number, number>> {
  const reused = shownImages.filter((image) => image.reused && image.outputFingerprint);
  const rows = new Map<number, number>();
  if (reused.length === 0) return rows;
  const first = await findFirstTwins({ requestId, fingerprints: reused.map((image) => image.outputFingerprint!) });
  const twinOf = new Map<number, number>();
  for (const image of reused) {
    const twin = first.get(image.outputFingerprint!);
    if (twin !== undefined && twin !== image.position) twinOf.set(image.position, twin);
  }
  if (twinOf.size === 0) return rows;
  const using = await listProductsUsingImages({ requestId, positions: [...new Set(twinOf.values())] });
  for (const [position, twin] of twinOf) {
    // Rows come in input order: the first that uses the twin is where the seller sees it first.
    const row = using.find((product) => product.imagePositions.includes(twin));
    // A Shopify product spans rows: the twin's own row, not its product's first.
    if (row) rows.set(position, row.imageRows?.[row.imagePositions.indexOf(twin)] ?? row.rowNumber);
  }
  return rows;
}

async function lightStatus(request: RequestRow): Promise<RequestStatusLight> {
  return {
    ...summarize(request),
    updatedAt: request.updatedAt.toISOString(),
    quality: request.quality,
    options: outputOptionsOf(request),
    error: request.error,
    expiresAt: expiresAt(request)?.toISOString() ?? null,
    activity: await activityOf(request),
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
function outputOptionsOf(
  request: Pick<RequestRow, "outputFormat" | "maxWidth" | "maxHeight" | "maxBytes">,
): OutputOptions {
  return {
    format: readOutputFormat(request.outputFormat) ?? "keep",
    maxWidth: request.maxWidth,
    maxHeight: request.maxHeight,
    maxBytes: request.maxBytes,
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
