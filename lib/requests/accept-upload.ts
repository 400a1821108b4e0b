import "server-only";
import { randomUUID } from "node:crypto";
import { isDatabaseUnreachable } from "@/db/client";
import { config } from "@/lib/config";
import { readQuality } from "@/lib/contract";
import { decodeCsvFile } from "@/lib/csv/decode-csv-file";
import { canonicalImageUrl } from "@/lib/csv/image-urls";
import { parseProductCsv, type CsvProblem } from "@/lib/csv/parse-product-csv";
import { deleteRequest, insertRequest } from "@/db/queries";
import { AppError, rejectedUpload } from "@/lib/errors";
import { formatBytes } from "@/lib/format";
import { getJobRunner } from "@/lib/jobs/job-runner";
import { getStorage } from "@/lib/storage/get-storage";
import { inputCsvKey, uploadedFileName } from "@/lib/storage/keys";
import { problemWithWebhookUrl } from "@/lib/webhooks/webhook-url";
import { requestLinks } from "./links";
import { shownWebhookUrl } from "./status";
import type { UploadAccepted } from "@/lib/contract";
import { logger } from "@/lib/logger";

export type Upload = {
  fileName: string;
  bytes: Uint8Array;
  quality?: string | null;
  webhookUrl?: string | null;
};

/**
 * Validates an uploaded CSV, stores it with its products and images, and hands the request to the
 * job runner. Any problem is thrown as an AppError before anything is stored; if storing fails
 * halfway, what was stored is removed again.
 */
export async function acceptUpload(upload: Upload): Promise<UploadAccepted> {
  try {
    return await accept(upload);
  } catch (error) {
    // Upload clients read `isValid` and `errors` on every refusal, this one included.
    if (!isDatabaseUnreachable(error)) throw error;
    throw rejectedUpload(
      "unavailable:database",
      "The database is unavailable right now; nothing was kept. Please try again in a minute.",
    );
  }
}

async function accept(upload: Upload): Promise<UploadAccepted> {
  if (upload.bytes.byteLength > config.csv.maxBytes) throw fileTooLarge(upload.bytes.byteLength);

  const text = decodeCsvFile(upload.bytes);
  const csv = parseProductCsv(text, config.csv);
  const optionProblems = [...problemsWithQuality(upload.quality), ...problemsWithWebhook(upload.webhookUrl)];
  if (csv.errorCount > 0 || optionProblems.length > 0) {
    const errors = [...optionProblems, ...csv.errors];
    throw new AppError("bad_request:csv", summarize(csv.errorCount + optionProblems.length), {
      isValid: false,
      errors,
      errorCount: csv.errorCount + optionProblems.length,
    });
  }

  const quality = upload.quality?.trim() ? Number(upload.quality) : config.images.defaultQuality;
  const webhookUrl = upload.webhookUrl?.trim() || config.webhook.defaultUrl || null;
  const requestId = randomUUID();
  const storedName = uploadedFileName(upload.fileName);
  const csvKey = inputCsvKey(requestId, storedName);
  const storage = await getStorage();
  const location = await storage.publicUrl(csvKey);

  const productRows = csv.products.map((product, position) => ({
    position,
    rowNumber: product.rowNumber,
    serialNumber: product.serialNumber,
    productName: product.productName,
    inputUrlsCell: product.inputUrlsCell,
    imageUrls: product.imageUrls.map(canonicalImageUrl),
  }));
  const imageUrls = [...new Set(productRows.flatMap((row) => row.imageUrls))];

  await insertRequest({
    request: {
      id: requestId,
      fileName: upload.fileName || "products.csv",
      inputCsvKey: csvKey,
      inputCsvUrl: location,
      quality,
      totalProducts: productRows.length,
      totalImages: imageUrls.length,
      webhookUrl,
    },
    productRows,
    imageUrls,
  });
  try {
    await storage.put(csvKey, Buffer.from(upload.bytes), { contentType: "text/csv; charset=utf-8" });
  } catch (error) {
    logger.error({ err: error, requestId, key: csvKey }, "storing the uploaded CSV failed");
    await takeBack(requestId);
    throw rejectedUpload(
      "unavailable:storage",
      "The file could not be stored right now; nothing was kept. Please try again in a minute.",
    );
  }

  try {
    await (await getJobRunner()).requestAccepted(requestId);
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
    quality,
    webhookUrl: shownWebhookUrl(webhookUrl),
    ...requestLinks(requestId),
  };
}

/** Undoes a half-accepted upload; a failure here is logged, so the user still gets the real reason. */
async function takeBack(requestId: string, removeFile?: () => Promise<void>) {
  try {
    await deleteRequest(requestId);
    await removeFile?.();
  } catch (error) {
    logger.error({ err: error, requestId }, "removing a half-accepted request failed");
  }
}

/** `bytes` is null when reading stopped at the limit and the real size is not known. */
export function fileTooLarge(bytes: number | null): AppError {
  const limit = formatBytes(config.csv.maxBytes);
  const size =
    bytes === null
      ? `The upload is larger than the ${limit} limit`
      : `The file is ${formatBytes(bytes)}; the limit is ${limit}`;
  return rejectedUpload("payload_too_large:csv", `${size}. Split it into smaller files.`);
}

function problemsWithQuality(value: string | null | undefined): CsvProblem[] {
  if (value === null || value === undefined || value.trim() === "") return [];
  return readQuality(value) !== null
    ? []
    : [{ row: null, column: null, message: `quality must be a whole number from 1 to 100 (got "${value}").` }];
}

function problemsWithWebhook(value: string | null | undefined): CsvProblem[] {
  if (!value?.trim()) return [];
  const problem = problemWithWebhookUrl(value.trim());
  return problem ? [{ row: null, column: null, message: `webhookUrl: ${problem}` }] : [];
}

function summarize(count: number): string {
  return count === 1
    ? "The CSV has 1 problem; nothing was stored."
    : `The CSV has ${count} problems; nothing was stored.`;
}
