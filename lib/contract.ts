import { z } from "zod";
import { CSV_LAYOUTS, IMAGE_STATUSES, REQUEST_STATUSES, WEBHOOK_STATUSES } from "@/db/enums";
import type { ColumnMapping } from "@/lib/csv/csv-layout";
import { OUTPUT_CHOICES } from "@/lib/images/image-formats";

/**
 * The public API's contract: every request and response body as a zod schema. The TypeScript types
 * below are inferred from these schemas, the OpenAPI document (`lib/openapi.ts`) is generated from
 * them, the dashboard parses responses with them, and a test checks real responses against the
 * generated document. Field names are a contract with existing clients: add, never rename.
 *
 * Plain zod with `.meta()` only (no OpenAPI extension), so the dashboard's bundle can import it.
 */

const exampleId = "6f1c2a9e-3b7d-4c1e-9a51-0d2f8e4b7c10";
const count = z.number().int().min(0);
const isoTime = z.string().meta({ format: "date-time", example: "2025-03-08T05:37:57.789Z" });
const requestId = z.string().meta({ description: "The id returned by the upload.", example: exampleId });

/** Encoder quality: what "compressed to 50% of its original quality" is measured in. */
export const Quality = z.number().int().min(1).max(100);

/** A quality as typed in a form field: a whole number from 1 to 100, or null when it is not one. */
export function readQuality(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) && Quality.safeParse(Number(trimmed)).success ? Number(trimmed) : null;
}

/** What an upload may ask its images to become (`format`), and the largest size they may have. */
export const OUTPUT_FORMATS = OUTPUT_CHOICES;
export const MAX_DIMENSION = 16_383;

export const OutputFormat = z.enum(OUTPUT_FORMATS).meta({
  id: "OutputFormat",
  description:
    "`keep` (default): each image in its own format. `jpeg`, `png`, `webp`, `avif`: every image in that format (transparency is flattened onto white for JPEG). `auto`: per image, the smallest of WebP, AVIF and its own format, keeping transparency. An animation stays animated: it becomes animated WebP for `webp` and `auto` when smaller, and keeps its own format otherwise.",
});

const dimension = z.number().int().min(1).max(MAX_DIMENSION);

/** The smallest and largest target size an upload may ask for, in bytes. */
export const MIN_TARGET_BYTES = 1024;
export const MAX_TARGET_BYTES = 100 * 1024 * 1024;
const targetBytes = z.number().int().min(MIN_TARGET_BYTES).max(MAX_TARGET_BYTES);

export const OutputOptions = z
  .object({
    format: OutputFormat,
    maxWidth: dimension.nullable().meta({ description: "Images wider are scaled down to fit; never enlarged." }),
    maxHeight: dimension.nullable().meta({ description: "Images taller are scaled down to fit; never enlarged." }),
    maxBytes: targetBytes.nullable().meta({
      description:
        "Target size: each output is made at the highest quality (at most the request's) whose file is at most this many bytes; an image that does not fit even at the lowest quality fails, saying so.",
    }),
  })
  .meta({ id: "OutputOptions", description: "What the images of a request are made into." });

/** A format as typed in a form field, or null when it is not one. */
export function readOutputFormat(text: string): OutputFormat | null {
  const parsed = OutputFormat.safeParse(text.trim().toLowerCase());
  return parsed.success ? parsed.data : null;
}

/** A target size as typed in a form field, in bytes: a whole number in range, or null when it is not one. */
export function readTargetBytes(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) && targetBytes.safeParse(Number(trimmed)).success ? Number(trimmed) : null;
}

/** A maximum width or height as typed in a form field: a whole number in range, or null when it is not one. */
export function readDimension(text: string): number | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) && dimension.safeParse(Number(trimmed)).success ? Number(trimmed) : null;
}

/** The layouts a product CSV is read in; see the README's "CSV layouts". */
export const CsvLayoutKind = z.enum(CSV_LAYOUTS).meta({
  id: "CsvLayout",
  description:
    "`template`: `S. No.`, `Product Name`, `Input Image Urls`; the output adds `Output Image Urls`. `shopify` and `woocommerce`: a shop's product export; `mapped`: the columns named by the upload's mapping fields. For these three the output is the same file with each image URL replaced in place by its compressed copy.",
});

export const RequestState = z.enum(REQUEST_STATUSES).meta({
  id: "RequestState",
  description:
    "`processing` while images are being worked on; `completed` when every image is finished and at least one succeeded; `failed` when none could be processed; `cancelled` when the client cancelled it (images under way when it was cancelled may still finish: `completedAt` is set once they have).",
});

export const ImageState = z.enum(IMAGE_STATUSES).meta({
  id: "ImageState",
  description: "`cancelled`: not processed because its request was cancelled before the image started.",
});

export const WebhookState = z.enum(WEBHOOK_STATUSES).meta({ id: "WebhookState" });

/**
 * The image states status can list on their own (`imageStatus`). Waiting (`pending`) images are
 * the rest: nearly all of a new upload, counted by `activity.waitingImages`.
 */
export const IMAGE_FILTER_STATES = ["failed", "completed", "processing", "cancelled"] as const;

export const ImageFilterState = z.enum(IMAGE_FILTER_STATES).meta({
  id: "ImageFilterState",
  description: "List only the images in this state: `failed`, `completed`, `processing` (under way) or `cancelled`.",
});

export const Progress = z
  .object({
    totalImages: count.meta({ description: "Distinct image URLs of the request." }),
    processedImages: count,
    failedImages: count,
    cancelledImages: count.meta({ description: "Images not processed because the request was cancelled." }),
    reusedImages: count.meta({
      description:
        "Processed images whose output was copied from an earlier request of the same owner (same bytes and options) instead of being compressed again.",
    }),
    percent: z
      .number()
      .int()
      .min(0)
      .max(100)
      .meta({ description: "Finished images (processed, failed or cancelled) out of all, rounded down." }),
  })
  .meta({ id: "Progress" });

export const ByteTotals = z
  .object({ bytesIn: count, bytesOut: count })
  .meta({ id: "ByteTotals", description: "Sums over the completed images; the saving is 1 − bytesOut / bytesIn." });

export const ImageStatus = z
  .object({
    inputUrl: z.string(),
    outputUrl: z.string().nullable().meta({ description: "The compressed copy; null until the image is completed." }),
    thumbnailUrl: z.string().nullable().meta({
      description: "A small preview of the original, made by the service; null until the image is processed.",
    }),
    outputThumbnailUrl: z.string().nullable().meta({
      description:
        "A small preview of the output, made by the service for lists; null until the image is completed, and for images processed before it existed (show `outputUrl` then).",
    }),
    originalPreviewUrl: z.string().nullable().meta({
      description:
        "The \"before\" of a full-size compare, kept by the service so that a viewer never loads the uploader's URL: the original itself without its metadata when a browser shows it as it is at the output's size, else a copy of it at the output's size (at most COMPARE_PREVIEW_MAX_SIDE px on the long side). Null until the image is completed, when turned off, and for images processed before it existed.",
    }),
    status: ImageState,
    error: z
      .string()
      .nullable()
      .meta({ description: "Why the image failed, or the last transient problem while it is being retried." }),
    bytesIn: count.nullable(),
    bytesOut: count.nullable(),
    optimized: z.boolean().nullable().meta({
      description:
        "False when re-encoding did not make the file smaller and the original was kept, its metadata cut out and its pixels untouched.",
    }),
    format: z.string().nullable().meta({ description: "Format of the output: jpeg, png, webp, avif or gif." }),
    reused: z.boolean().meta({
      description:
        "True when the output was copied from an earlier request of the same owner with the same image bytes and options (or the image server answered 304 Not Modified), not compressed again.",
    }),
    width: count.nullable(),
    height: count.nullable(),
    sameAsRow: z.number().int().min(2).nullable().meta({
      description:
        "The spreadsheet row of an image of this same upload with the same bytes (under another URL) whose output this one copies; null otherwise. A reused image with `sameAsRow` null was copied from an earlier upload.",
    }),
  })
  .meta({ id: "ImageStatus" });

export const ProductStatus = z
  .object({
    serialNumber: z.string(),
    productName: z.string(),
    rowNumber: z.number().int().min(2).meta({ description: "Spreadsheet row: the header is row 1." }),
    images: z.array(ImageStatus).meta({ description: "In the order of the row's input URLs." }),
  })
  .meta({ id: "ProductStatus" });

export const WebhookDelivery = z
  .object({
    url: z.string().nullable().meta({
      description:
        "Origin and path only (a query string may hold the receiver's token); null when the service's default webhook is used.",
    }),
    status: WebhookState,
    attempts: count,
    lastError: z.string().nullable(),
    deliveredAt: isoTime.nullable(),
  })
  .meta({ id: "WebhookDelivery" });

export const Activity = z
  .object({
    workingImages: count.meta({
      description:
        "Images a worker has taken up: being downloaded or compressed, or next in that worker's line (the in-process runner takes a few dozen of a request at a time).",
    }),
    waitingImages: count.meta({
      description: "Images not started yet, including those waiting to be tried again after a passing problem.",
    }),
    imagesPerSecond: z.number().min(0).nullable().meta({
      description:
        "Images finished (compressed or failed) per second over the last minute (or since the request started, when younger); null once the request is finished.",
      example: 12.5,
    }),
    secondsLeft: count.nullable().meta({
      description:
        "Estimated seconds until every image is finished, at `imagesPerSecond`; null when no image finished in the last minute, and once the request is finished.",
      example: 95,
    }),
  })
  .meta({ id: "Activity", description: "How a request is moving: computed from counters and indexes, never a scan." });

export const Pagination = z
  .object({ page: z.number().int().min(1), pageSize: z.number().int().min(1), totalItems: count, totalPages: count })
  .meta({ id: "Pagination" });

const links = {
  statusUrl: z.string().meta({ example: `/api/csv/status/${exampleId}` }),
  downloadUrl: z.string().meta({ example: `/api/csv/download/${exampleId}` }),
};

const summaryFields = {
  requestId,
  fileName: z.string(),
  status: RequestState,
  createdAt: isoTime,
  completedAt: isoTime.nullable(),
  totalProducts: count,
  progress: Progress,
  totals: ByteTotals,
  ...links,
};

export const RequestSummary = z.object(summaryFields).meta({ id: "RequestSummary" });

export const RequestStatus = z
  .object({
    ...summaryFields,
    updatedAt: isoTime,
    quality: Quality,
    options: OutputOptions,
    error: z
      .string()
      .nullable()
      .meta({ description: "Why the request failed, closed early or was cancelled; null otherwise." }),
    expiresAt: isoTime.nullable().meta({
      description:
        "When the request and its files will be deleted (RETENTION_DAYS after it finished); null while it is processing or when nothing expires.",
    }),
    products: z.array(ProductStatus).meta({
      description:
        "One page of the products, in input order. With `imageStatus`, the rows of one page of the images in that state, each row with only those images (an image used by several rows is shown in each).",
    }),
    pagination: Pagination.meta({
      description: "Pages of products; with `imageStatus`, pages of the images in that state.",
    }),
    imageStatus: ImageFilterState.nullable().meta({ description: "The `imageStatus` asked for; null for all." }),
    activity: Activity,
    webhook: WebhookDelivery.nullable(),
  })
  .meta({ id: "RequestStatus" });

export const RequestStatusLight = RequestStatus.omit({ products: true, pagination: true, imageStatus: true }).meta({
  id: "RequestStatusLight",
  description: "The status without products (`?products=0`): counters only, cheap to poll.",
});

export const RequestList = z
  .object({ requests: z.array(RequestSummary), pagination: Pagination })
  .meta({ id: "RequestList" });

export const UploadAccepted = z
  .object({
    isValid: z.literal(true),
    requestId,
    status: z.literal("processing"),
    uploadedToS3: z
      .object({
        status: z.literal("uploaded"),
        uploadedFilename: z.string().meta({ example: "1740908768040-products.csv" }),
        location: z.string().meta({ description: "URL of the stored CSV." }),
      })
      .meta({ description: "Where the uploaded CSV is stored (S3 or the local disk; the name is historic)." }),
    products: count,
    images: count.meta({ description: "Image URLs in the file." }),
    uniqueImages: count.meta({ description: "Distinct image URLs: each is downloaded once." }),
    quality: Quality,
    options: OutputOptions,
    layout: CsvLayoutKind,
    webhookUrl: z.string().nullable(),
    webhookSecret: z.string().nullable().meta({
      description:
        "Open mode, with a webhookUrl of the upload's own: the Standard Webhooks secret (`whsec_…`) its deliveries are signed with. Shown here only; keep it to verify them.",
      example: "whsec_…",
    }),
    warnings: z.array(z.string()).meta({
      description:
        'What the upload went ahead without: form fields it does not read, each named ("qualty" was ignored: did you mean "quality"?). Empty when there is nothing to say.',
    }),
    ...links,
  })
  .meta({ id: "UploadAccepted" });

export const ErrorCode = z
  .enum([
    "bad_request:csv",
    "bad_request:upload",
    "bad_request:parameter",
    "bad_request:body",
    "bad_request:path",
    "payload_too_large:csv",
    "payload_too_large:images",
    "request_timeout:upload",
    "unsupported_media_type:csv",
    "not_found:request",
    "not_found:file",
    "not_found:route",
    "not_found:trial",
    "not_found:api_key",
    "method_not_allowed",
    "unauthorized",
    "forbidden:cross_site",
    "unsupported_media_type:body",
    "range_not_satisfiable:file",
    "too_many_requests:rate_limit",
    "too_many_requests:processing",
    "unprocessable:idempotency",
    "conflict:processing",
    "conflict:finished",
    "conflict:nothing_to_retry",
    "unavailable:storage",
    "unavailable:jobs",
    "unavailable:database",
    "unavailable:inngest",
    "internal",
  ])
  .meta({ id: "ErrorCode", description: "What went wrong, for programs; `error` says it for people." });

/**
 * RFC 9457 problem details, sent beside `error` and `code` in every error answer
 * (`Content-Type: application/problem+json`).
 */
const problemFields = {
  type: z.string().meta({
    description:
      "A URL naming the kind of error: its entry in this service's API reference (`/docs#error-<code>`). One per `code`.",
  }),
  title: z.string().meta({ description: "A short summary of the kind of error; the same for every occurrence." }),
  status: z.number().int().meta({ description: "The HTTP status code of this answer." }),
  detail: z.string().meta({ description: "What went wrong this time (the same text as `error`)." }),
};

/**
 * An answer that carries a request's summary keeps `status` for the request's state, as clients have
 * always read it; RFC 9457 tells its readers to ignore a `status` that is not a number.
 */
const { status: _httpStatus, ...problemOfRequest } = problemFields;

/**
 * What every error answer shares and a client shows: the message and its code. Answers that carry a
 * request's summary use `status` for its state, so a client reads errors with this, not `ErrorBody`.
 */
export const ErrorMessage = z.object({ error: z.string(), code: ErrorCode });

export const ProblemDetails = z.object(problemFields).meta({
  id: "ProblemDetails",
  description:
    "The RFC 9457 fields every error answer carries, beside `error` and `code` (and the fields of its kind).",
});

export const ErrorBody = ProblemDetails.extend({
  error: z.string().meta({ description: "A message a person can act on." }),
  code: ErrorCode,
}).meta({ id: "Error" });

export const Problem = z
  .object({
    row: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Spreadsheet row (the header is row 1); null for the file or a form field." }),
    column: z.string().nullable().meta({ description: "The CSV column or form field at fault." }),
    message: z.string(),
  })
  .meta({ id: "Problem" });

export const UploadRejected = ProblemDetails.extend({
  error: z.string(),
  code: ErrorCode,
  isValid: z.literal(false),
  errors: z.array(Problem).meta({ description: "Every problem found, up to 100." }),
  errorCount: count.meta({ description: "All problems found, also those past the first 100." }),
}).meta({ id: "UploadRejected" });

export const DownloadNotReady = z
  .object({ error: z.string(), code: ErrorCode, ...problemOfRequest, ...summaryFields })
  .meta({ id: "DownloadNotReady", description: "The request is still processing: a message and its summary." });

export const ActionRefused = z
  .object({ error: z.string(), code: ErrorCode, ...problemOfRequest, ...summaryFields })
  .meta({
    id: "ActionRefused",
    description: "The request is not in a state for this action: a message and the request's summary.",
  });

const HealthPart = z
  .object({
    ok: z.boolean(),
    kind: z.string().meta({ description: "`pglite` or `postgres`; `local` or `s3`; `inline` or `inngest`." }),
    error: z.string().optional().meta({ description: "What is wrong, when `ok` is false." }),
    checkedAt: isoTime,
  })
  .meta({ id: "HealthPart" });

export const Health = z
  .object({
    ok: z.boolean(),
    error: z.string().optional().meta({ description: "The broken parts and their causes, when `ok` is false." }),
    database: HealthPart,
    storage: HealthPart,
    runner: HealthPart,
  })
  .meta({ id: "Health" });

export const Liveness = z
  .object({ ok: z.literal(true) })
  .meta({ id: "Liveness", description: "The process answers; no dependency was asked." });

export const SignIn = z
  .object({ apiKey: z.string().meta({ description: "One of the workspace's API keys.", example: "cic_AbCd1234_…" }) })
  .meta({ id: "SignIn" });

export const Session = z
  .object({
    workspace: z.string().meta({ description: "The workspace's name." }),
    keyPrefix: z.string().meta({ description: "The prefix of the key in use." }),
    via: z.enum(["api_key", "session"]).meta({ description: "How this call was authenticated." }),
  })
  .meta({ id: "Session" });

export const ApiKeyInfo = z
  .object({
    prefix: z
      .string()
      .meta({ description: "Names the key; the key itself starts `cic_<prefix>_`.", example: "AbCd1234" }),
    name: z.string().nullable(),
    createdAt: isoTime,
    lastUsedAt: isoTime.nullable().meta({ description: "Noted at most once a minute." }),
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: "ApiKey" });

export const ApiKeyList = z
  .object({
    workspace: z.string(),
    webhookSecret: z.string().meta({
      description: "Signs this workspace's webhook deliveries (Standard Webhooks); verify them with it.",
      example: "whsec_…",
    }),
    keys: z.array(ApiKeyInfo),
  })
  .meta({ id: "ApiKeyList" });

export const CreateApiKey = z
  .object({ name: z.string().max(100).optional().meta({ description: "A label: who or what uses the key." }) })
  .meta({ id: "CreateApiKey" });

export const CreatedApiKey = ApiKeyInfo.extend({
  key: z.string().meta({ description: "The whole key. It is shown this once; only its hash is kept." }),
}).meta({ id: "CreatedApiKey" });

/** The upload's multipart fields. Parsed by the upload route; documented from here. */
export const UploadForm = z.object({
  file: z.string().meta({
    format: "binary",
    description: "The CSV, whatever content type is sent with it (text/csv, application/vnd.ms-excel, …).",
  }),
  quality: Quality.optional().meta({
    description: "Encoder quality for every image (default IMAGE_QUALITY, 50).",
    example: 50,
  }),
  webhookUrl: z
    .string()
    .optional()
    .meta({ format: "uri", description: "Called with a POST of JSON when the request is finished." }),
  format: OutputFormat.optional().meta({ description: "What every image becomes (default `keep`)." }),
  maxWidth: dimension.optional().meta({ description: "Largest width of an output image, in pixels." }),
  maxHeight: dimension.optional().meta({ description: "Largest height of an output image, in pixels." }),
  maxBytes: targetBytes.optional().meta({
    description:
      "Largest file size of an output image, in bytes (e.g. 204800 for a marketplace's 200 KB cap): the highest quality that fits is used, by a bounded search.",
    example: 204800,
  }),
  nameColumn: z.string().optional().meta({
    description:
      "For a CSV in no known layout: the header of the column with the product name. Sent with `imageColumns`; a mapping is used even when the file is in a known layout.",
    example: "Item title",
  }),
  imageColumns: z
    .array(z.string())
    .optional()
    .meta({
      description:
        "With `nameColumn`: the header of a column with image URLs (comma-separated in a cell). Send the field once per image column.",
      example: ["Main picture", "More pictures"],
    }),
  idColumn: z.string().optional().meta({
    description:
      "With `nameColumn`: the header of the column that identifies a product (its SKU, say); without it, products are named by their row number.",
    example: "Item code",
  }),
});

/**
 * The column mapping in an upload's form fields: null when none was sent, problems naming the field
 * when it is incomplete. Which columns exist is the CSV reader's to judge.
 */
export function readColumnMapping(fields: { idColumn?: string; nameColumn?: string; imageColumns?: string[] }): {
  mapping: ColumnMapping | null;
  problems: Problem[];
} {
  const idColumn = fields.idColumn?.trim() || null;
  const nameColumn = fields.nameColumn?.trim() || null;
  const imageColumns = (fields.imageColumns ?? []).map((column) => column.trim()).filter(Boolean);
  if (!idColumn && !nameColumn && imageColumns.length === 0) return { mapping: null, problems: [] };
  const problems: Problem[] = [];
  if (!nameColumn) {
    problems.push({
      row: null,
      column: "nameColumn",
      message: "nameColumn is missing: a column mapping names the column with the product name.",
    });
  }
  if (imageColumns.length === 0) {
    problems.push({
      row: null,
      column: "imageColumns",
      message: "imageColumns is missing: a column mapping names at least one column with image URLs.",
    });
  }
  if (problems.length > 0) return { mapping: null, problems };
  return { mapping: { idColumn, nameColumn: nameColumn!, imageColumns }, problems };
}

/** The most images one trial compresses: enough to judge the options, too few to be a free service. */
export const MAX_TRIAL_IMAGES = 5;

export const TrialRequest = z
  .object({
    urls: z
      .array(z.string().max(2048))
      .min(1, "Name at least one image URL to try.")
      .max(
        MAX_TRIAL_IMAGES,
        `A trial compresses at most ${MAX_TRIAL_IMAGES} images; upload the CSV to compress them all.`,
      )
      .meta({ description: `1 to ${MAX_TRIAL_IMAGES} absolute http or https image URLs.` }),
    quality: Quality.optional().meta({ description: "As the upload's (default IMAGE_QUALITY, 50)." }),
    format: OutputFormat.optional().meta({ description: "As the upload's (default `keep`)." }),
    maxWidth: dimension.nullable().optional().meta({ description: "As the upload's." }),
    maxHeight: dimension.nullable().optional().meta({ description: "As the upload's." }),
    maxBytes: targetBytes.nullable().optional().meta({ description: "As the upload's." }),
  })
  .meta({ id: "TrialRequest", description: "A few image URLs and the options an upload would use." });

export const TrialImage = z
  .object({
    inputUrl: z.string(),
    status: z.enum(["completed", "failed"]),
    error: z.string().nullable().meta({ description: "Why the image could not be tried, in the upload's words." }),
    bytesIn: count.nullable(),
    bytesOut: count.nullable(),
    savedPercent: z
      .number()
      .int()
      .nullable()
      .meta({ description: "How much smaller the output is than the original, in percent (negative if larger)." }),
    format: z.string().nullable(),
    width: count.nullable(),
    height: count.nullable(),
    optimized: z.boolean().nullable(),
    beforeUrl: z.string().nullable().meta({
      description:
        "The original at the output's size (at most COMPARE_PREVIEW_MAX_SIDE px on the long side, 2048 when that is 0), served by this app: a viewer never loads the uploader's URL.",
    }),
    afterUrl: z.string().nullable().meta({ description: "The output at full size, served by this app." }),
  })
  .meta({ id: "TrialImage" });

export const TrialResult = z
  .object({
    trialId: z.string(),
    quality: Quality,
    options: OutputOptions,
    expiresAt: isoTime.meta({
      description:
        "Until when `beforeUrl` and `afterUrl` answer (TRIAL_CACHE_SECONDS; sooner when the cache's TRIAL_CACHE_BYTES fill up).",
    }),
    images: z.array(TrialImage).meta({ description: "In the order of the URLs sent." }),
  })
  .meta({ id: "TrialResult" });

export const MAX_PAGE = 1_000_000;

const pageParameter = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE)
  .default(1)
  .meta({ description: "Page number, from 1." });

export const StatusQuery = z.object({
  products: z
    .enum(["0", "1"])
    .default("1")
    .meta({ description: "`0` leaves the products out: counters only, for polling." }),
  page: pageParameter,
  pageSize: z.coerce.number().int().min(1).max(500).default(50).meta({
    description:
      "Products per page (images per page with `imageStatus`). A page holds at most 5,000 images, so with rows of up to MAX_URLS_PER_ROW images (50) it holds at most 100 products; `pagination.pageSize` says what was used.",
  }),
  imageStatus: ImageFilterState.optional(),
});

export const SavingsDay = z
  .object({
    date: z.string().meta({ description: "The day (UTC), as YYYY-MM-DD.", example: "2026-12-07" }),
    requests: count.meta({ description: "Uploads made that day." }),
    bytesIn: count,
    bytesOut: count,
    bytesSaved: z.number().int().meta({ description: "bytesIn − bytesOut: what the outputs saved." }),
  })
  .meta({ id: "SavingsDay" });

export const Savings = z
  .object({
    days: z
      .array(SavingsDay)
      .meta({ description: "Every day of the period, oldest first; days without uploads hold zeros." }),
    totals: SavingsDay.omit({ date: true }),
  })
  .meta({
    id: "Savings",
    description: "Bytes saved by the caller's uploads, per day of upload, from each request's byte counters.",
  });

export const MAX_SAVINGS_DAYS = 366;

export const SavingsQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_SAVINGS_DAYS)
    .default(30)
    .meta({ description: "How many days back, today (UTC) included." }),
});

export const ListQuery = z.object({
  page: pageParameter,
  pageSize: z.coerce.number().int().min(1).max(100).default(20).meta({ description: "Requests per page." }),
});

export type RequestState = z.infer<typeof RequestState>;
export type OutputFormat = z.infer<typeof OutputFormat>;
export type OutputOptions = z.infer<typeof OutputOptions>;
export type ImageState = z.infer<typeof ImageState>;
export type WebhookState = z.infer<typeof WebhookState>;
export type ImageFilterState = z.infer<typeof ImageFilterState>;
export type Activity = z.infer<typeof Activity>;
export type Savings = z.infer<typeof Savings>;
export type SavingsDay = z.infer<typeof SavingsDay>;
export type Progress = z.infer<typeof Progress>;
export type ImageStatus = z.infer<typeof ImageStatus>;
export type ProductStatus = z.infer<typeof ProductStatus>;
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export type Pagination = z.infer<typeof Pagination>;
export type RequestSummary = z.infer<typeof RequestSummary>;
export type RequestStatus = z.infer<typeof RequestStatus>;
export type RequestStatusLight = z.infer<typeof RequestStatusLight>;
export type RequestList = z.infer<typeof RequestList>;
export type UploadAccepted = z.infer<typeof UploadAccepted>;
export type ErrorCode = z.infer<typeof ErrorCode>;
export type ErrorBody = z.infer<typeof ErrorBody>;
export type Problem = z.infer<typeof Problem>;
export type UploadRejected = z.infer<typeof UploadRejected>;
export type DownloadNotReady = z.infer<typeof DownloadNotReady>;
export type ActionRefused = z.infer<typeof ActionRefused>;
export type Health = z.infer<typeof Health>;
export type Session = z.infer<typeof Session>;
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;
export type ApiKeyList = z.infer<typeof ApiKeyList>;
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
export type TrialRequest = z.infer<typeof TrialRequest>;
export type TrialImage = z.infer<typeof TrialImage>;
export type TrialResult = z.infer<typeof TrialResult>;
