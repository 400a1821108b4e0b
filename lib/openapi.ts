import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { apiAliases } from "./api-aliases";
import { config } from "./config";
import * as contract from "./contract";
import { COLUMNS } from "./csv/columns";

/**
 * The OpenAPI 3.1 document of the public API, generated from the zod schemas of `lib/contract.ts`.
 * `/api/openapi.json` serves it, `/docs` renders it, and a test validates real responses against it.
 */

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** An error answer: RFC 9457 problem details beside `error` and `code` (`lib/http.ts`). */
const problem = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/problem+json": { schema } },
});

/** Who may call: nobody needs to in open mode; in keys mode, a key or the dashboard's session. */
const signedIn: Record<string, string[]>[] = [{ apiKey: [] }, { session: [] }, {}];
const workspaceOnly: Record<string, string[]>[] = [{ apiKey: [] }, { session: [] }];
/** Answers anyone, in either mode (said outright, so a reader and a linter know it is meant). */
const open: Record<string, string[]>[] = [];
/** Open unless `METRICS_TOKEN` is set. */
const metricsScraper: Record<string, string[]>[] = [{ metricsToken: [] }, {}];

const unauthorized = problem(
  contract.ErrorBody,
  "Keys mode (`AUTH_MODE=keys`) and no valid API key or session: send `Authorization: Bearer <key>`. Comes with `WWW-Authenticate: Bearer`.",
);

const limitHeaders = z.object({
  RateLimit: z
    .string()
    .meta({ description: 'Where the client stands in the window, e.g. `"uploads";r=29;t=60` (IETF RateLimit).' }),
  "RateLimit-Policy": z.string().meta({ description: 'The window, e.g. `"uploads";q=30;w=60`.' }),
});

const keysModeOnly = problem(contract.ErrorBody, "Open mode: keys and sessions exist only with `AUTH_MODE=keys`.");

const requestIdParams = z.object({
  requestId: z.string().meta({ description: "The id returned by the upload." }),
});

/** The status answer's responses: `/api/csv/status/{id}` and the request as a resource serve the same. */
const statusResponses = {
  200: json(
    z.union([contract.RequestStatus, contract.RequestStatusLight]),
    "The request's state; without `products` and `pagination` when asked with `products=0`.",
  ),
  304: { description: "Unchanged since an `ETag` sent in `If-None-Match`." },
  400: problem(
    contract.ErrorBody,
    "A paging parameter is not a whole number in range, or `imageStatus` is not one of the states it lists.",
  ),
  401: unauthorized,
  404: problem(contract.ErrorBody, "No such request, or (keys mode) another workspace's."),
};

/** What any operation that can fail may also answer, beside the errors it lists (`lib/http.ts`). */
const otherErrors = problem(
  contract.ErrorBody,
  "Another error: `internal` (500) on our side, or `unavailable:database` or `unavailable:storage` (503, with `Retry-After`) while a dependency cannot be reached; the message says what to do.",
);

/** Liveness, health (which reports its dependencies itself) and this document: they refuse nobody. */
export const PROBE_OPERATIONS = new Set(["getLiveness", "getHealth", "getOpenApiDocument"]);

/** The operation with `otherErrors` as its `default` answer, unless it is a probe. */
function withOtherErrors<Operation extends RouteConfig & { operationId: string }>(operation: Operation): Operation {
  if (PROBE_OPERATIONS.has(operation.operationId)) return operation;
  return { ...operation, responses: { ...operation.responses, default: otherErrors } };
}

const operations: (RouteConfig & { operationId: string })[] = [
  {
    operationId: "uploadCsv",
    method: "post",
    path: "/api/csv/upload",
    summary: "Upload a product CSV",
    description:
      "Validates the CSV at once. A valid file is stored and processed in the background (202); an invalid one is refused with every problem and nothing is stored. `format`, `maxWidth` and `maxHeight` choose what the images become; an image whose bytes and options match a finished output of the same owner is not compressed again (its output is copied: `reused` in the status). Send `Idempotency-Key` to make a retry safe: the same key with the same file and fields within 24 hours answers the first 202 again (with `Idempotent-Replayed: true`) and creates nothing. In open mode a caller without the owner cookie gets one (`Set-Cookie: cic_owner`): keep it to find the request in `GET /api/csv/requests`.",
    security: signedIn,
    request: {
      headers: z.object({
        "Idempotency-Key": z
          .string()
          .optional()
          .meta({ description: "1 to 255 visible ASCII characters, unique per upload (a UUID).", example: "5f0c…" }),
      }),
      body: {
        required: true,
        content: { "multipart/form-data": { schema: contract.UploadForm, encoding: { file: { contentType: "*/*" } } } },
      },
    },
    responses: {
      202: {
        ...json(contract.UploadAccepted, "Accepted; processing has started. `Location` names the status URL."),
        headers: limitHeaders.extend({
          Location: z.string().meta({ description: "The status URL." }),
          "Idempotent-Replayed": z
            .literal("true")
            .optional()
            .meta({ description: "This is the first answer to the same `Idempotency-Key`, given again." }),
        }),
      },
      400: problem(contract.UploadRejected, "The CSV or a form field is invalid; every problem is listed."),
      408: problem(
        contract.UploadRejected,
        "The body did not arrive within `UPLOAD_TIMEOUT_MS` (2 minutes by default).",
      ),
      413: problem(
        contract.UploadRejected,
        "The file is over the size limit (`MAX_CSV_BYTES`, 10 MB) or lists more image URLs than one upload may hold (`MAX_IMAGES_PER_REQUEST`, 50,000).",
      ),
      401: unauthorized,
      409: problem(
        contract.UploadRejected,
        "An upload with the same `Idempotency-Key` is still being accepted; ask again.",
      ),
      415: problem(contract.UploadRejected, "The file is not CSV text (an image, a workbook, binary data)."),
      422: problem(
        contract.UploadRejected,
        "The `Idempotency-Key` was used within 24 hours for a different file or fields; nothing was stored.",
      ),
      429: {
        ...problem(
          contract.UploadRejected,
          "Over a limit, named in the message: uploads a minute (`RATE_LIMIT_UPLOADS_PER_MINUTE`), images an hour (`RATE_LIMIT_IMAGES_PER_HOUR`) or requests processing at once (`RATE_LIMIT_REQUESTS_AT_ONCE`), per workspace in keys mode and per address in open mode. Nothing was stored.",
        ),
        headers: z.object({ "Retry-After": z.string().meta({ description: "Seconds until a new try can succeed." }) }),
      },
      503: problem(contract.UploadRejected, "Storage or the background workers are unavailable; nothing was kept."),
    },
  },
  {
    operationId: "tryImages",
    method: "post",
    path: "/api/csv/trial",
    summary: "Try the options on a few images before uploading",
    description: `Compresses 1 to ${contract.MAX_TRIAL_IMAGES} image URLs (at most ${contract.MAX_TRIAL_IMAGES}: a trial is for judging the options, the upload is for the catalogue) with the options an upload takes, by the same pipeline, behind the same address guard and limits (download size, time, pixels). Answers once every image is done, each with its sizes and links to its before and after served by this app, so that a viewer never loads the uploader's URLs. Nothing is stored: no request, no file; the before and after are kept in the server's memory for \`TRIAL_CACHE_SECONDS\` (15 minutes) at most, on the instance that answered. Counted against the caller's trials a minute (\`RATE_LIMIT_TRIALS_PER_MINUTE\`, 10), per workspace in keys mode and per address in open mode. An image that cannot be downloaded or compressed is listed with its reason; the others are not affected.`,
    security: signedIn,
    request: { body: { required: true, content: { "application/json": { schema: contract.TrialRequest } } } },
    responses: {
      200: { ...json(contract.TrialResult, "Every image tried, in the order sent."), headers: limitHeaders },
      400: problem(
        contract.ErrorBody,
        `More than ${contract.MAX_TRIAL_IMAGES} URLs, none, a URL that is not absolute http or https, or an option out of range: the message names the field.`,
      ),
      401: unauthorized,
      415: problem(contract.ErrorBody, "The body is not sent as JSON."),
      429: {
        ...problem(
          contract.UploadRejected,
          "Over the trials a minute (`RATE_LIMIT_TRIALS_PER_MINUTE`, or the whole service's `RATE_LIMIT_SERVER_TRIALS_PER_MINUTE`); no image was tried.",
        ),
        headers: z.object({ "Retry-After": z.string().meta({ description: "Seconds until a new try can succeed." }) }),
      },
    },
  },
  {
    operationId: "getTrialImage",
    method: "get",
    path: "/api/csv/trial/{trialId}/{index}/{side}",
    summary: "A tried image's before or after",
    description:
      "`after`: the output at full size. `before`: the original at the output's size (at most `COMPARE_PREVIEW_MAX_SIDE` px on the long side), made by the service. In keys mode only the workspace that made the trial may read them.",
    security: signedIn,
    request: {
      params: z.object({
        trialId: z.string().meta({ description: "`trialId` of the trial's answer." }),
        index: z.string().meta({ description: "The image's place among the URLs sent, from 1." }),
        side: z.enum(["before", "after"]),
      }),
    },
    responses: {
      200: { description: "The image.", content: { "image/*": { schema: z.string().meta({ format: "binary" }) } } },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such trial image, or it is no longer kept: try the images again."),
    },
  },
  {
    operationId: "getRequestStatus",
    method: "get",
    path: "/api/csv/status/{requestId}",
    summary: "Progress of a request and a page of its products",
    description:
      "Counters answer at once, whatever the size of the request; products come a page at a time. `activity` tells images under way from those waiting, with the pace over the last minute and the time left. `imageStatus=failed` (or `completed`, `processing`, `cancelled`) lists only the images in that state, a page of images at a time, each in the rows that use it: `pagination` then counts those images. Poll with `products=0` and `If-None-Match`: answers carry an `ETag`, are shared by everyone polling the same request for up to a second, and an unchanged one is a `304` with no body (`If-None-Match` takes a list of tags, weak ones included, or `*`, as RFC 9110 says). `GET /api/csv/requests/{requestId}` answers the same.",
    security: signedIn,
    request: { params: requestIdParams, query: contract.StatusQuery },
    responses: statusResponses,
  },
  {
    operationId: "getRequest",
    method: "get",
    path: "/api/csv/requests/{requestId}",
    summary: "A request: its status",
    description:
      "The request as a resource: the same answer, parameters, `ETag` and access rule as `GET /api/csv/status/{requestId}`, at the path that `DELETE`, `retry` and `cancel` share.",
    security: signedIn,
    request: { params: requestIdParams, query: contract.StatusQuery },
    responses: statusResponses,
  },
  {
    operationId: "downloadOutputCsv",
    method: "get",
    path: "/api/csv/download/{requestId}",
    summary: "The output CSV",
    description: `One row per input row, in input order, with \`${COLUMNS.outputUrls}\` in the order of the input URLs; a failed image leaves its place empty. Cells that a spreadsheet would run as a formula start with an apostrophe.`,
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      200: {
        description: "The CSV as an attachment.",
        content: { "text/csv": { schema: z.string() } },
      },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or (keys mode) another workspace's."),
      409: problem(contract.DownloadNotReady, "Still processing: a message and the request's summary."),
    },
  },
  {
    operationId: "downloadFailuresReport",
    method: "get",
    path: "/api/csv/requests/{requestId}/failures.csv",
    summary: "The failed images of a finished request, as CSV",
    description:
      "Columns `Row` (the spreadsheet row, the header being row 1), `S. No.`, `Product Name`, `Input Image Url`, `Reason` and `Attempts`: one line per place a failed image holds in the file (an image used in two rows is named at both), in row order. A request where nothing failed gives the header alone. Cells that a spreadsheet would run as a formula start with an apostrophe.",
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      200: { description: "The CSV as an attachment.", content: { "text/csv": { schema: z.string() } } },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or (keys mode) another workspace's."),
      409: problem(contract.DownloadNotReady, "Still processing: a message and the request's summary."),
    },
  },
  {
    operationId: "downloadImagesZip",
    method: "get",
    path: "/api/csv/requests/{requestId}/images.zip",
    summary: "Every compressed image of a finished request, as one ZIP",
    description:
      "Streamed as it is written. One entry per place an image holds in the file, named `<row>-<product name as a slug>-<n>.<ext>` (`12-blue-shirt-2.jpg`: row 12's second URL), so an image used in two rows is there under both names; failed images are left out (see `failures.csv`). Entries are stored without further compression: the images are compressed already. Archives over 4 GB or 65,535 entries use ZIP64.",
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      200: {
        description: "The ZIP as an attachment.",
        content: { "application/zip": { schema: z.string().meta({ format: "binary" }) } },
      },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or (keys mode) another workspace's."),
      409: problem(contract.DownloadNotReady, "Still processing: a message and the request's summary."),
    },
  },
  {
    operationId: "listRequests",
    method: "get",
    path: "/api/csv/requests",
    summary: "The caller's recent requests, newest first",
    description:
      "Only the caller's own: the workspace's in keys mode; in open mode the requests made with the same owner cookie (`cic_owner`), so a client without it lists nothing.",
    security: signedIn,
    request: { query: contract.ListQuery },
    responses: {
      200: json(contract.RequestList, "A page of requests."),
      400: problem(contract.ErrorBody, "A paging parameter is not a whole number in range."),
      401: unauthorized,
    },
  },
  {
    operationId: "getSavings",
    method: "get",
    path: "/api/csv/savings",
    summary: "Bytes the caller's uploads saved, per day",
    description:
      "Sums of each request's byte counters (`totals` in the status) over the caller's own uploads, per day of upload in UTC, today included; days without uploads hold zeros. Only the caller's own, as in `GET /api/csv/requests`.",
    security: signedIn,
    request: { query: contract.SavingsQuery },
    responses: {
      200: json(contract.Savings, "Every day of the period, oldest first, and their totals."),
      400: problem(contract.ErrorBody, "`days` is not a whole number from 1 to 366."),
      401: unauthorized,
    },
  },
  {
    operationId: "retryRequest",
    method: "post",
    path: "/api/csv/requests/{requestId}/retry",
    summary: "Try a finished request's failed images again",
    description:
      "Puts the failed images (and, for a cancelled request, those never started) back in line with fresh attempts; images that succeeded are not touched. The request is `processing` again: its counters leave those images out until they finish, the output CSV is rebuilt when it is finished, and its webhook is called again (with a new `webhook-id`). Only the request's owner may retry it.",
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      202: json(contract.RequestSummary, "Retrying; the request's summary, now `processing`."),
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or not the caller's."),
      409: problem(
        contract.ActionRefused,
        "`conflict:processing`: the request is still processing (or its cancelled images under way are still finishing). `conflict:nothing_to_retry`: no image failed.",
      ),
    },
  },
  {
    operationId: "cancelRequest",
    method: "post",
    path: "/api/csv/requests/{requestId}/cancel",
    summary: "Cancel a processing request",
    description:
      "Images not started never start; images under way may finish. The request is `cancelled` at once; when its images under way are back it gets `completedAt`, an output CSV of what was done (the rest keep their empty places) and its webhook call. Only the request's owner may cancel it.",
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      202: json(contract.RequestSummary, "Cancelled; the request's summary."),
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or not the caller's."),
      409: problem(
        contract.ActionRefused,
        "`conflict:finished`: the request is already completed, failed or cancelled.",
      ),
    },
  },
  {
    operationId: "deleteRequest",
    method: "delete",
    path: "/api/csv/requests/{requestId}",
    summary: "Delete a request and its files",
    description:
      "Removes the request, its products and images, its uploaded CSV, its output images, thumbnails and output CSV, from the database and from storage (the local folder or S3). A processing request is cancelled first. Afterwards every path of it answers 404. Finished requests are also deleted by themselves `RETENTION_DAYS` after they finished (see `expiresAt` in the status). Only the request's owner may delete it.",
    security: signedIn,
    request: { params: requestIdParams },
    responses: {
      204: { description: "Deleted." },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No such request, or not the caller's."),
      503: problem(
        contract.ErrorBody,
        "Storage is unavailable: the request is kept (some of its files may be gone already); ask again later.",
      ),
    },
  },
  {
    operationId: "getSession",
    method: "get",
    path: "/api/session",
    summary: "Who this call is signed in as (keys mode)",
    security: workspaceOnly,
    responses: {
      200: json(contract.Session, "The workspace and the key in use."),
      401: unauthorized,
      404: keysModeOnly,
    },
  },
  {
    operationId: "signIn",
    method: "post",
    path: "/api/session",
    summary: "Sign the dashboard in with an API key (keys mode)",
    security: open,
    description:
      "Sets the httpOnly session cookie `cic_session`, signed with `AUTH_SECRET`, for 30 days. Revoking the key ends the session.",
    request: { body: { required: true, content: { "application/json": { schema: contract.SignIn } } } },
    responses: {
      200: json(contract.Session, "Signed in; the cookie is set."),
      400: problem(contract.ErrorBody, 'The body is not `{"apiKey": "…"}`.'),
      401: problem(contract.ErrorBody, "The key is not valid or was revoked."),
      404: keysModeOnly,
    },
  },
  {
    operationId: "signOut",
    method: "delete",
    path: "/api/session",
    summary: "Sign out (keys mode)",
    security: open,
    responses: { 204: { description: "The session cookie is cleared." }, 404: keysModeOnly },
  },
  {
    operationId: "listApiKeys",
    method: "get",
    path: "/api/keys",
    summary: "The workspace's API keys and webhook secret (keys mode)",
    security: workspaceOnly,
    responses: { 200: json(contract.ApiKeyList, "Every key, revoked ones too."), 401: unauthorized, 404: keysModeOnly },
  },
  {
    operationId: "createApiKey",
    method: "post",
    path: "/api/keys",
    summary: "A new API key for the workspace (keys mode)",
    security: workspaceOnly,
    request: { body: { content: { "application/json": { schema: contract.CreateApiKey } } } },
    responses: {
      201: json(contract.CreatedApiKey, "The new key, shown this once."),
      400: problem(contract.ErrorBody, "The name is not valid."),
      401: unauthorized,
      404: keysModeOnly,
    },
  },
  {
    operationId: "revokeApiKey",
    method: "delete",
    path: "/api/keys/{prefix}",
    summary: "Revoke one of the workspace's keys (keys mode)",
    security: workspaceOnly,
    request: { params: z.object({ prefix: z.string().meta({ description: "The key's prefix." }) }) },
    responses: {
      204: { description: "Revoked; calls with it are refused from now on." },
      401: unauthorized,
      404: problem(contract.ErrorBody, "No active key with that prefix in this workspace, or open mode."),
    },
  },
  {
    operationId: "getLiveness",
    method: "get",
    path: "/api/live",
    summary: "Whether the process answers (liveness)",
    security: open,
    description:
      "Asks no dependency: use it for a liveness probe, which restarts a process that stopped answering. Use `/api/health` for readiness.",
    responses: { 200: json(contract.Liveness, "The process answers.") },
  },
  {
    operationId: "getHealth",
    method: "get",
    path: "/api/health",
    summary: "Whether the database and storage answer",
    security: open,
    responses: {
      200: json(contract.Health, "Every part answers."),
      503: json(contract.Health, "A part does not; the body says which and why."),
    },
  },
  {
    operationId: "getMetrics",
    method: "get",
    path: "/api/metrics",
    summary: "Prometheus metrics",
    security: metricsScraper,
    description:
      "Images finished by outcome and format, bytes in and out, processing time, images waiting and in flight, requests by status, webhook deliveries, and the process's own metrics. With `METRICS_TOKEN` set, send `Authorization: Bearer <METRICS_TOKEN>`.",
    responses: {
      200: { description: "Prometheus text format.", content: { "text/plain": { schema: z.string() } } },
      401: problem(contract.ErrorBody, "`METRICS_TOKEN` is set and the request does not carry it."),
    },
  },
  {
    operationId: "getOpenApiDocument",
    method: "get",
    path: "/api/openapi.json",
    summary: "This document",
    security: open,
    responses: {
      200: {
        description: "The OpenAPI 3.1 document.",
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  },
];

/** `/status/:requestId` in Next's rewrite syntax is `/status/{requestId}` in OpenAPI's. */
function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

export function aliasesOf(path: string): string[] {
  return apiAliases
    .filter((alias) => openApiPath(alias.destination) === path)
    .map((alias) => openApiPath(alias.source));
}

function buildDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description:
      "An API key (`cic_…`), with `AUTH_MODE=keys`: `npm run api-keys -- create <workspace>` or the dashboard's API keys page.",
  });
  registry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description: "`METRICS_TOKEN`, when the operator set one.",
  });
  registry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "cic_session",
    description: "The dashboard's session after `POST /api/session`.",
  });
  for (const described of operations) {
    const operation = withOtherErrors(described);
    registry.registerPath(operation);
    for (const alias of aliasesOf(operation.path)) {
      registry.registerPath({
        ...operation,
        operationId: `${operation.operationId}At${alias.replace(/\{\w+\}/g, "").replace(/\W+(\w)?/g, (_, c = "") => c.toUpperCase())}`,
        path: alias,
        description: `The same as \`${operation.path}\`, at the path earlier clients use.`,
        tags: ["Aliases"],
      });
    }
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "CSV Image Compressor API",
      version: "1.0.0",
      description: `Upload a CSV of products (\`${COLUMNS.serialNumber}\`, \`${COLUMNS.productName}\`, \`${COLUMNS.inputUrls}\`); every image is downloaded and compressed in the background, and the output CSV adds \`${COLUMNS.outputUrls}\`. Shopify and WooCommerce product exports are read as they are, and any other CSV with the mapping fields \`nameColumn\`, \`imageColumns\` and \`idColumn\`; their output is the same file with each image URL replaced in place by its compressed copy (a failed image keeps its URL; no formula neutralisation, unlike the template's output). Paths under \`/api/csv\` are canonical; the older paths listed under Aliases answer the same.\n\nWith \`AUTH_MODE=open\` (the default) no key is needed: a request is reached by its id, and listings show a browser its own uploads. With \`AUTH_MODE=keys\` every call but health, metrics and this document needs \`Authorization: Bearer <key>\`, and a workspace sees only its own requests. Webhook deliveries follow Standard Webhooks (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`).\n\nEvery error answer is RFC 9457 problem details (\`application/problem+json\`): \`type\` (the error's entry in \`/docs\`), \`title\`, \`status\` and \`detail\`, beside \`error\` and \`code\` and the fields of its kind. A method a path does not serve is a \`405\` whose \`Allow\` lists those it does (as \`OPTIONS\` does). With \`CORS_ALLOW_ORIGINS\` set, pages of the listed origins may call the API from a browser, with an API key or anonymously, never with cookies.`,
    },
    servers: [{ url: config.publicBaseUrl, description: "This service (PUBLIC_BASE_URL)." }],
  });
}

export type OpenApiDocument = ReturnType<typeof buildDocument>;

let document: OpenApiDocument | undefined;

export function openApiDocument(): OpenApiDocument {
  document ??= buildDocument();
  return document;
}
