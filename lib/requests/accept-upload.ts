import "server-only";
import { randomUUID } from "node:crypto";
import { isDatabaseUnreachable } from "@/db/client";
import { insertRequest, refreshImageStatistics } from "@/db/requests";
import { deleteRequestRows } from "@/db/request-lifecycle";
import { config } from "@/lib/config";
import {
  MAX_DIMENSION,
  MAX_TARGET_BYTES,
  MIN_TARGET_BYTES,
  OUTPUT_FORMATS,
  type OutputOptions,
  type Problem,
  readDimension,
  readColumnMapping,
  readOutputFormat,
  readQuality,
  readTargetBytes,
  type UploadAccepted,
} from "@/lib/contract";
import { AppError, rejectedUpload } from "@/lib/errors";
import { plural } from "@/lib/format";
import { generateWebhookSecret } from "@/lib/auth/api-keys";
import { anonymousOwner, type Client, identifyClient } from "@/lib/auth/identify-client";
import { newOwnerId as createOwnerId, ownerCookie } from "@/lib/auth/session";
import { getJobRunner } from "@/lib/jobs/job-runner";
import { logger } from "@/lib/logger";
import { checkRequestsAtOnce, consume, refund } from "@/lib/rate-limits";
import { getStorage } from "@/lib/storage/get-storage";
import { inputCsvKey, uploadedFileName } from "@/lib/storage/keys";
import { problemWithWebhookUrl } from "@/lib/webhooks/webhook-url";
import { requestLinks } from "./links";
import { acceptOnce, type Once } from "./idempotency";
import { ignoredFieldWarnings } from "./ignored-fields";
import { type ReadUpload, readUpload, type UploadFields } from "./read-upload";
import { shownWebhookUrl } from "./status";

/**
 * An upload from the request to the 202: who sends it, whether their limits allow it, the body read
 * as a stream, accepted once per `Idempotency-Key`. Limit headers go with the answer.
 */
export async function acceptUploadRequest(request: Request): Promise<Once & { headers: Record<string, string> }> {
  try {
    const caller = await identifyClient(request);
    // Checked before the body is read: a client over its limits costs no parsing.
    await checkRequestsAtOnce(caller.limitKey);
    const headers = await consume("uploads", caller.limitKey);
    const upload = await readUpload(request);
    const key = request.headers.get("idempotency-key");
    // Open mode: a caller without an owner cookie gets one with its first request, so a client that
    // keeps cookies finds its uploads in its listing. Its idempotency keys count under its address.
    const newOwnerId = caller.owner === null && config.auth.mode === "open" ? createOwnerId() : null;
    const client = newOwnerId ? { ...caller, owner: anonymousOwner(newOwnerId) } : caller;
    const once = await acceptOnce({ scope: caller.owner ?? caller.limitKey, key, upload }, () =>
      acceptUpload(upload, client),
    );
    if (newOwnerId && !once.replayed) headers["Set-Cookie"] = ownerCookie(newOwnerId);
    return { ...once, headers };
  } catch (error) {
    // Upload clients read `isValid` and `errors` on every refusal, this one included.
    if (!isDatabaseUnreachable(error)) throw error;
    throw rejectedUpload(
      "unavailable:database",
      "The database is unavailable right now; nothing was kept. Please try again in a minute.",
    );
  }
}

/**
 * Accepts a read upload: refuses it with every problem when the CSV or a form field is wrong, else
 * stores the request with its products and images in one transaction, stores the file, and hands the
 * request to the job runner. Nothing is left behind by a refusal or by a failure halfway.
 */
async function acceptUpload(upload: ReadUpload, client: Client): Promise<UploadAccepted> {
  const { csv } = upload;
  if (csv.limitCrossed?.limit === "images") throw rejectedUpload("payload_too_large:images", csv.limitCrossed.message);
  const options = readOptions(upload.fields);
  if (csv.errorCount > 0 || options.problems.length > 0) {
    const unknownColumns = csv.layout === null && csv.header.length > 0;
    throw refusal(csv.errors, csv.errorCount, options.problems, unknownColumns);
  }
  await consume("images", client.limitKey, csv.imageUrls.length);
  try {
    return await store(upload, client, options);
  } catch (error) {
    // Nothing was kept: the images do not count against the client's hour.
    await refund("images", client.limitKey, csv.imageUrls.length).catch(() => {});
    throw error;
  }
}

async function store(
  upload: ReadUpload,
  client: Client,
  options: ReturnType<typeof readOptions>,
): Promise<UploadAccepted> {
  const { csv } = upload;

  const requestId = randomUUID();
  const filesId = randomUUID();
  const storedName = uploadedFileName(upload.fileName);
  const csvKey = inputCsvKey(filesId, storedName);
  const storage = await getStorage();
  const location = await storage.publicUrl(csvKey);

  // Each distinct URL is one image, numbered in the order it first appears; rows name images by number.
  const productRows = csv.products.map((product, position) => ({
    position,
    rowNumber: product.rowNumber,
    serialNumber: product.serialNumber,
    productName: product.productName,
    inputUrlsCell: product.inputUrlsCell,
    imagePositions: product.imagePositions,
    imageRows: product.imageRows.every((row) => row === product.rowNumber) ? null : product.imageRows,
  }));
  const imageUrls = csv.imageUrls;
  const webhookSecret = ownWebhookSecret(options.webhookUrl);

  await insertRequest({
    request: {
      id: requestId,
      filesId,
      owner: client.owner,
      clientKey: client.limitKey,
      fileName: upload.fileName || "products.csv",
      inputCsvKey: csvKey,
      inputCsvUrl: location,
      quality: options.quality,
      outputFormat: options.output.format,
      maxWidth: options.output.maxWidth,
      maxHeight: options.output.maxHeight,
      maxBytes: options.output.maxBytes,
      totalProducts: productRows.length,
      totalImages: imageUrls.length,
      webhookUrl: options.webhookUrl,
      webhookSecret,
      csvLayout: csv.layout,
    },
    productRows,
    imageUrls,
  });
  // Not waited for: the statistics matter from the first claim on, which comes after it (PGlite runs
  // statements in order; PostgreSQL's first claim or two may still plan with the old ones).
  void refreshImageStatistics(imageUrls.length).catch((error) =>
    logger.warn({ err: error }, "analyzing the images table after a large upload failed"),
  );
  try {
    await storage.put(csvKey, upload.chunks, { contentType: "text/csv; charset=utf-8" });
  } catch (error) {
    logger.error({ err: error, requestId, key: csvKey }, "storing the uploaded CSV failed");
    await takeBack(requestId);
    throw rejectedUpload(
      "unavailable:storage",
      "The file could not be stored right now; nothing was kept. Please try again in a minute.",
    );
  }

  try {
    await (await getJobRunner()).requestAccepted({ id: requestId, owner: client.owner, clientKey: client.limitKey });
  } catch (error) {
    // Nothing would ever process it: take the request back rather than leave it processing forever.
    logger.error({ err: error, requestId }, "the job runner did not take the request");
    await takeBack(requestId, () => storage.delete(csvKey));
    throw rejectedUpload(
      "unavailable:jobs",
      "The background workers could not be reached; nothing was kept. Please try again in a minute.",
    );
  }

  return {
    isValid: true,
    requestId,
    status: "processing",
    uploadedToS3: { status: "uploaded", uploadedFilename: storedName, location },
    products: productRows.length,
    images: csv.imageCount,
    uniqueImages: imageUrls.length,
    quality: options.quality,
    options: options.output,
    layout: csv.layout!.kind,
    webhookUrl: shownWebhookUrl(options.webhookUrl),
    webhookSecret,
    warnings: ignoredFieldWarnings(upload.ignoredFields),
    ...requestLinks(requestId),
  };
}

/**
 * A webhook the uploader chose is signed with a secret of its own in open mode, handed to the uploader
 * alone: signed with WEBHOOK_SECRET, anyone could obtain genuine signatures for the operator's own
 * receiver by pointing an upload at a URL of theirs. Keys mode signs with the workspace's secret.
 */
function ownWebhookSecret(webhookUrl: string | null): string | null {
  if (config.auth.mode !== "open" || !webhookUrl || webhookUrl === config.webhook.defaultUrl) return null;
  return generateWebhookSecret();
}

/** Undoes a half-accepted upload; a failure here is logged, so the user still gets the real reason. */
async function takeBack(requestId: string, removeFile?: () => Promise<void>) {
  try {
    await deleteRequestRows(requestId);
    await removeFile?.();
  } catch (error) {
    logger.error({ err: error, requestId }, "removing a half-accepted request failed");
  }
}

/** The form fields beside the file, each checked on its own; a problem names its field. */
function readOptions(fields: UploadFields) {
  const problems: Problem[] = [];
  const field = (name: string, message: string) => problems.push({ row: null, column: name, message });

  let quality = config.images.defaultQuality;
  if (fields.quality?.trim()) {
    const value = readQuality(fields.quality);
    if (value === null) field("quality", `quality must be a whole number from 1 to 100 (got "${fields.quality}").`);
    else quality = value;
  }

  let webhookUrl = config.webhook.defaultUrl ?? null;
  if (fields.webhookUrl?.trim()) {
    const problem = problemWithWebhookUrl(fields.webhookUrl.trim());
    if (problem) field("webhookUrl", `webhookUrl: ${problem}`);
    else webhookUrl = fields.webhookUrl.trim();
  }

  const output: OutputOptions = { format: "keep", maxWidth: null, maxHeight: null, maxBytes: null };
  if (fields.format?.trim()) {
    const format = readOutputFormat(fields.format);
    if (format === null) {
      field("format", `format must be one of ${OUTPUT_FORMATS.join(", ")} (got "${fields.format.trim()}").`);
    } else output.format = format;
  }
  for (const name of ["maxWidth", "maxHeight"] as const) {
    const text = fields[name]?.trim();
    if (!text) continue;
    const value = readDimension(text);
    if (value === null)
      field(name, `${name} must be a whole number of pixels from 1 to ${MAX_DIMENSION} (got "${text}").`);
    else output[name] = value;
  }
  const maxBytes = fields.maxBytes?.trim();
  if (maxBytes) {
    const value = readTargetBytes(maxBytes);
    if (value === null) {
      field(
        "maxBytes",
        `maxBytes must be a whole number of bytes from ${MIN_TARGET_BYTES} to ${MAX_TARGET_BYTES} (got "${maxBytes}").`,
      );
    } else output.maxBytes = value;
  }
  problems.push(...readColumnMapping(fields).problems);
  return { quality, webhookUrl, output, problems };
}

/**
 * The answer to an upload with problems. A wrong form field is named as such, not counted among
 * "the CSV's problems"; every problem is listed either way.
 */
function refusal(
  csvProblems: Problem[],
  csvProblemCount: number,
  fieldProblems: Problem[],
  unknownColumns: boolean,
): AppError {
  const count = csvProblemCount + fieldProblems.length;
  let message: string;
  if (csvProblemCount === 0) {
    message =
      fieldProblems.length === 1
        ? `${fieldProblems[0].message.replace(/\.$/, "")}; nothing was stored.`
        : `${plural(fieldProblems.length, "form field")} are invalid; nothing was stored.`;
  } else {
    message = `The ${fieldProblems.length > 0 ? "upload" : "CSV"} has ${plural(count, "problem")}; nothing was stored.`;
  }
  // An API client sees no mapping form (the dashboard offers one): the other ways in, said here.
  if (unknownColumns) {
    message +=
      " A Shopify or WooCommerce product export is read as it is; for other columns, name them with the upload's nameColumn, imageColumns and idColumn fields.";
  }
  return new AppError(
    fieldProblems.length > 0 && csvProblemCount === 0 ? "bad_request:upload" : "bad_request:csv",
    message,
    {
      isValid: false,
      errors: [...fieldProblems, ...csvProblems],
      errorCount: count,
    },
  );
}
