import { COLUMNS } from "./csv/columns";

/**
 * The OpenAPI 3.1 document of the public API. The `/docs` page renders this same document, so the
 * machine-readable and the human-readable descriptions never drift apart.
 */

const requestId = {
  name: "requestId",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: "The id returned by the upload.",
};
const page = { name: "page", in: "query", schema: { type: "integer", minimum: 1, default: 1 } };
const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });

const problem = {
  type: "object",
  properties: {
    row: { type: ["integer", "null"], description: "Spreadsheet row: the header is row 1, the first product row 2." },
    column: { type: ["string", "null"] },
    message: { type: "string" },
  },
  required: ["row", "column", "message"],
};

const progress = {
  type: "object",
  properties: {
    totalImages: { type: "integer" },
    processedImages: { type: "integer" },
    failedImages: { type: "integer" },
    percent: { type: "integer", minimum: 0, maximum: 100 },
  },
  required: ["totalImages", "processedImages", "failedImages", "percent"],
};

const image = {
  type: "object",
  properties: {
    inputUrl: { type: "string" },
    outputUrl: { type: ["string", "null"] },
    status: { enum: ["pending", "processing", "completed", "failed"] },
    error: {
      type: ["string", "null"],
      description: "Why the image failed, or the last transient problem while it is being retried.",
    },
    bytesIn: { type: ["integer", "null"] },
    bytesOut: { type: ["integer", "null"] },
    optimized: {
      type: ["boolean", "null"],
      description: "False when re-encoding did not make the file smaller and the original bytes were kept.",
    },
    format: { type: ["string", "null"] },
    width: { type: ["integer", "null"] },
    height: { type: ["integer", "null"] },
  },
};

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "CSV Image Compressor API",
    version: "1.0.0",
    description:
      `Upload a CSV of products (\`${COLUMNS.serialNumber}\`, \`${COLUMNS.productName}\`, \`${COLUMNS.inputUrls}\`); every image is downloaded and ` +
      `compressed in the background; the output CSV adds \`${COLUMNS.outputUrls}\`. Paths under /api/csv are canonical; /csv/... and /upload, /status/:id, /download/:id answer the same.`,
  },
  paths: {
    "/api/csv/upload": {
      post: {
        summary: "Upload a product CSV",
        description:
          "Validates the CSV at once. A valid file is stored and processed in the background (202); an invalid one is rejected with every problem and nothing is stored.",
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: {
                  file: {
                    type: "string",
                    format: "binary",
                    description:
                      "The CSV, any content type (text/csv, application/vnd.ms-excel, …): judged by its content.",
                  },
                  quality: {
                    type: "integer",
                    minimum: 1,
                    maximum: 100,
                    default: 50,
                    description: "Encoder quality for every image of the request.",
                  },
                  webhookUrl: {
                    type: "string",
                    format: "uri",
                    description: "Called with a POST of JSON when the request is finished.",
                  },
                },
              },
            },
          },
        },
        responses: {
          "202": { description: "Accepted; processing has started.", content: json("UploadAccepted") },
          "400": {
            description: "The CSV or an option is invalid; every problem is listed.",
            content: json("UploadRejected"),
          },
          "413": {
            description: "The file is over the size limit (MAX_CSV_BYTES, 10 MB by default).",
            content: json("UploadRejected"),
          },
          "415": {
            description: "The file is not CSV text (an image, a workbook, binary data).",
            content: json("UploadRejected"),
          },
          "503": { description: "Storage is unavailable; nothing was stored.", content: json("UploadRejected") },
        },
      },
    },
    "/api/csv/status/{requestId}": {
      get: {
        summary: "Progress of a request and a page of its products",
        parameters: [
          requestId,
          page,
          { name: "pageSize", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
        ],
        responses: {
          "200": { description: "The request's state.", content: json("RequestStatus") },
          "404": { description: "No such request.", content: json("Error") },
        },
      },
    },
    "/api/csv/download/{requestId}": {
      get: {
        summary: "The output CSV",
        description: `One row per input row, in input order, with \`${COLUMNS.outputUrls}\` in the order of the input URLs; a failed image leaves its place empty. Cells that a spreadsheet would run as a formula start with an apostrophe.`,
        parameters: [requestId],
        responses: {
          "200": { description: "The CSV as an attachment.", content: { "text/csv": { schema: { type: "string" } } } },
          "404": { description: "No such request.", content: json("Error") },
          "409": { description: "Still processing; the body is the request's status.", content: json("RequestStatus") },
        },
      },
    },
    "/api/csv/requests": {
      get: {
        summary: "Recent requests, newest first",
        parameters: [
          page,
          { name: "pageSize", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
        ],
        responses: { "200": { description: "A page of requests.", content: json("RequestList") } },
      },
    },
    "/api/health": {
      get: {
        summary: "Database and storage reachability",
        responses: {
          "200": { description: "Both answer." },
          "503": { description: "One of them does not; the body says which and why." },
        },
      },
    },
  },
  components: {
    schemas: {
      Error: {
        type: "object",
        properties: { error: { type: "string" }, code: { type: "string" } },
        required: ["error"],
      },
      Problem: problem,
      Progress: progress,
      UploadAccepted: {
        type: "object",
        properties: {
          isValid: { const: true },
          requestId: { type: "string" },
          status: { const: "processing" },
          uploadedToS3: {
            type: "object",
            description: "Where the uploaded CSV is stored (S3 or the local disk; the name is historic).",
            properties: {
              status: { const: "uploaded" },
              uploadedFilename: { type: "string" },
              location: { type: "string" },
            },
          },
          products: { type: "integer" },
          images: { type: "integer", description: "Image URLs in the file." },
          uniqueImages: { type: "integer", description: "Distinct image URLs: each is downloaded once." },
          quality: { type: "integer" },
          webhookUrl: { type: ["string", "null"] },
          statusUrl: { type: "string" },
          downloadUrl: { type: "string" },
        },
      },
      UploadRejected: {
        type: "object",
        properties: {
          isValid: { const: false },
          error: { type: "string" },
          errors: { type: "array", items: { $ref: "#/components/schemas/Problem" } },
          errorCount: { type: "integer" },
        },
      },
      RequestStatus: {
        type: "object",
        properties: {
          status: {
            enum: ["processing", "completed", "failed"],
            description: "completed: every image finished and at least one succeeded. failed: none could be processed.",
          },
          requestId: { type: "string" },
          fileName: { type: "string" },
          quality: { type: "integer" },
          createdAt: { type: "string", format: "date-time" },
          updatedAt: { type: "string", format: "date-time" },
          completedAt: { type: ["string", "null"], format: "date-time" },
          error: { type: ["string", "null"] },
          progress: { $ref: "#/components/schemas/Progress" },
          totals: { type: "object", properties: { bytesIn: { type: "integer" }, bytesOut: { type: "integer" } } },
          totalProducts: { type: "integer" },
          products: {
            type: "array",
            items: {
              type: "object",
              properties: {
                serialNumber: { type: "string" },
                productName: { type: "string" },
                rowNumber: { type: "integer" },
                images: { type: "array", items: image },
              },
            },
          },
          pagination: { $ref: "#/components/schemas/Pagination" },
          webhook: {
            type: ["object", "null"],
            properties: {
              url: { type: ["string", "null"], description: "Null when the service's default webhook is used." },
              status: { enum: ["pending", "delivered", "failed"] },
              attempts: { type: "integer" },
              lastError: { type: ["string", "null"] },
              deliveredAt: { type: ["string", "null"] },
            },
          },
          statusUrl: { type: "string" },
          downloadUrl: { type: "string" },
        },
      },
      RequestList: {
        type: "object",
        properties: {
          requests: { type: "array", items: { type: "object" } },
          pagination: { $ref: "#/components/schemas/Pagination" },
        },
      },
      Pagination: {
        type: "object",
        properties: {
          page: { type: "integer" },
          pageSize: { type: "integer" },
          totalItems: { type: "integer" },
          totalPages: { type: "integer" },
        },
      },
    },
  },
} as const;
