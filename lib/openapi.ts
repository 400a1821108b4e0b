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

const requestIdParams = z.object({
  requestId: z.string().meta({ description: "The id returned by the upload." }),
});

const operations: (RouteConfig & { operationId: string })[] = [
  {
    operationId: "uploadCsv",
    method: "post",
    path: "/api/csv/upload",
    summary: "Upload a product CSV",
    description:
      "Validates the CSV at once. A valid file is stored and processed in the background (202); an invalid one is refused with every problem and nothing is stored.",
    request: {
      body: {
        required: true,
        content: { "multipart/form-data": { schema: contract.UploadForm, encoding: { file: { contentType: "*/*" } } } },
      },
    },
    responses: {
      202: json(contract.UploadAccepted, "Accepted; processing has started. `Location` names the status URL."),
      400: json(contract.UploadRejected, "The CSV or a form field is invalid; every problem is listed."),
      408: json(contract.UploadRejected, "The body did not arrive within `UPLOAD_TIMEOUT_MS` (2 minutes by default)."),
      413: json(
        contract.UploadRejected,
        "The file is over the size limit (`MAX_CSV_BYTES`, 10 MB) or lists more image URLs than one upload may hold (`MAX_IMAGES_PER_REQUEST`, 50,000).",
      ),
      415: json(contract.UploadRejected, "The file is not CSV text (an image, a workbook, binary data)."),
      503: json(contract.UploadRejected, "Storage or the background workers are unavailable; nothing was kept."),
    },
  },
  {
    operationId: "getRequestStatus",
    method: "get",
    path: "/api/csv/status/{requestId}",
    summary: "Progress of a request and a page of its products",
    description:
      "Counters answer at once, whatever the size of the request; products come a page at a time. Poll with `products=0` and `If-None-Match`: answers carry an `ETag`, are shared by everyone polling the same request for up to a second, and an unchanged one is a `304` with no body.",
    request: { params: requestIdParams, query: contract.StatusQuery },
    responses: {
      200: json(
        z.union([contract.RequestStatus, contract.RequestStatusLight]),
        "The request's state; without `products` and `pagination` when asked with `products=0`.",
      ),
      304: { description: "Unchanged since the `ETag` sent in `If-None-Match`." },
      400: json(contract.ErrorBody, "A paging parameter is not a whole number in range."),
      404: json(contract.ErrorBody, "No such request."),
    },
  },
  {
    operationId: "downloadOutputCsv",
    method: "get",
    path: "/api/csv/download/{requestId}",
    summary: "The output CSV",
    description: `One row per input row, in input order, with \`${COLUMNS.outputUrls}\` in the order of the input URLs; a failed image leaves its place empty. Cells that a spreadsheet would run as a formula start with an apostrophe.`,
    request: { params: requestIdParams },
    responses: {
      200: {
        description: "The CSV as an attachment.",
        content: { "text/csv": { schema: z.string() } },
      },
      404: json(contract.ErrorBody, "No such request."),
      409: json(contract.DownloadNotReady, "Still processing: a message and the request's summary."),
    },
  },
  {
    operationId: "listRequests",
    method: "get",
    path: "/api/csv/requests",
    summary: "Recent requests, newest first",
    request: { query: contract.ListQuery },
    responses: {
      200: json(contract.RequestList, "A page of requests."),
      400: json(contract.ErrorBody, "A paging parameter is not a whole number in range."),
    },
  },
  {
    operationId: "getHealth",
    method: "get",
    path: "/api/health",
    summary: "Whether the database and storage answer",
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
    description:
      "Images finished by outcome and format, bytes in and out, processing time, images waiting and in flight, requests by status, webhook deliveries, and the process's own metrics. With `METRICS_TOKEN` set, send `Authorization: Bearer <METRICS_TOKEN>`.",
    responses: {
      200: { description: "Prometheus text format.", content: { "text/plain": { schema: z.string() } } },
      401: json(contract.ErrorBody, "`METRICS_TOKEN` is set and the request does not carry it."),
    },
  },
  {
    operationId: "getOpenApiDocument",
    method: "get",
    path: "/api/openapi.json",
    summary: "This document",
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
  for (const operation of operations) {
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
      description: `Upload a CSV of products (\`${COLUMNS.serialNumber}\`, \`${COLUMNS.productName}\`, \`${COLUMNS.inputUrls}\`); every image is downloaded and compressed in the background, and the output CSV adds \`${COLUMNS.outputUrls}\`. Paths under \`/api/csv\` are canonical; the older paths listed under Aliases answer the same.`,
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
