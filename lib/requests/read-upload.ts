import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Busboy, type BusboyInstance } from "@fastify/busboy";
import { config } from "@/lib/config";
import { setImmediate as nextTurn } from "node:timers/promises";
import { readColumnMapping } from "@/lib/contract";
import type { ColumnMapping } from "@/lib/csv/csv-layout";
import { type CsvFileLimits, CsvUpload, fileTooLarge } from "@/lib/csv/csv-upload";
import type { ParsedProductCsv } from "@/lib/csv/parse-product-csv";
import { AppError, rejectedUpload } from "@/lib/errors";
import { shuttingDown } from "@/lib/shutdown";

/** Multipart framing around the file; a body declared larger than the limit plus this is refused unread. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** Form fields are short settings; a longer one is not one of ours. */
const MAX_FIELD_BYTES = 4 * 1024;

/** The form fields an upload may carry beside the file, once each. */
export const UPLOAD_FIELDS = [
  "quality",
  "webhookUrl",
  "format",
  "maxWidth",
  "maxHeight",
  "maxBytes",
  "idColumn",
  "nameColumn",
] as const;
/** A field that may be sent several times, one column name each. */
const IMAGE_COLUMNS_FIELD = "imageColumns";
/** Every form field an upload reads beside the file. */
export const UPLOAD_FIELD_NAMES: readonly string[] = [...UPLOAD_FIELDS, IMAGE_COLUMNS_FIELD];
/** Image columns a mapping may name: more than any real catalogue has. */
const MAX_IMAGE_COLUMNS = 30;
export type UploadFields = Partial<Record<(typeof UPLOAD_FIELDS)[number], string>> & { imageColumns?: string[] };

export type ReadUpload = {
  fileName: string;
  csv: ParsedProductCsv;
  /** The file's bytes as they arrived, to be stored once the upload is accepted. */
  chunks: Buffer[];
  byteLength: number;
  fields: UploadFields;
  /** Names of the form fields that are none of ours, in the order they came. */
  ignoredFields: string[];
};

/**
 * Reads a multipart upload as a stream: the CSV is checked row by row while it arrives, nothing is
 * buffered twice, and reading ends at the first limit crossed or when the deadline passes. A slow or
 * endless body holds a connection for `UPLOAD_TIMEOUT_MS` at most.
 */
/**
 * The upload's CSV as its mapping reads it. Mapping fields that came after the file were not known
 * while it arrived: the file is read again, a chunk at a time with other work let in between.
 */
async function readWithMapping(
  upload: CsvUpload,
  limits: CsvFileLimits,
  mapping: ColumnMapping | null,
): Promise<ParsedProductCsv> {
  if (JSON.stringify(mapping) === JSON.stringify(upload.mapping)) return upload.end();
  const again = new CsvUpload(limits, mapping);
  for (const chunk of upload.chunks) {
    again.push(chunk);
    if (again.limitCrossed) break;
    await nextTurn();
  }
  return again.end();
}

export async function readUpload(request: Request): Promise<ReadUpload> {
  if (shuttingDown()) {
    throw rejectedUpload(
      "unavailable:jobs",
      "The service is restarting; nothing was kept. Please try again in a moment.",
      { "Retry-After": "10" },
    );
  }
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data") || !request.body) {
    throw rejectedUpload(
      "bad_request:upload",
      'Send the CSV as multipart/form-data with the file in a field named "file" (curl -F file=@products.csv).',
    );
  }
  const maxBytes = config.csv.maxBytes;
  const declared = Number(request.headers.get("content-length"));
  if (declared > maxBytes + MULTIPART_OVERHEAD) throw fileTooLarge(maxBytes, declared);

  let form: BusboyInstance;
  try {
    form = new Busboy({
      headers: { "content-type": contentType },
      limits: {
        files: 1,
        fileSize: maxBytes + 1,
        fields: UPLOAD_FIELDS.length + MAX_IMAGE_COLUMNS + 4,
        fieldSize: MAX_FIELD_BYTES,
        parts: UPLOAD_FIELDS.length + MAX_IMAGE_COLUMNS + 6,
      },
    });
  } catch {
    throw rejectedUpload(
      "bad_request:upload",
      "The upload's Content-Type names no multipart boundary; send the CSV as multipart/form-data (curl -F file=@products.csv).",
    );
  }
  const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);

  return new Promise<ReadUpload>((resolve, reject) => {
    const fields: UploadFields = {};
    const ignoredFields: string[] = [];
    let file: { name: string; upload: CsvUpload } | null = null;
    let failure: AppError | null = null;
    let settled = false;

    const finish = (error: unknown, value?: ReadUpload) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      body.unpipe(form);
      // Whatever is left of the body is not read: the connection ends with the answer.
      body.destroy();
      if (error) reject(error);
      else resolve(value!);
    };
    const deadline = setTimeout(() => {
      finish(
        new AppError(
          "request_timeout:upload",
          `The upload did not arrive within ${config.csv.uploadTimeoutMs / 1000} s; nothing was kept. Please try again.`,
          { isValid: false, errors: [], errorCount: 1 },
        ),
      );
    }, config.csv.uploadTimeoutMs);

    form.on("field", (name, value, _nameTruncated, valueTruncated) => {
      if (name === IMAGE_COLUMNS_FIELD && !valueTruncated) {
        (fields.imageColumns ??= []).push(value);
      } else if ((UPLOAD_FIELDS as readonly string[]).includes(name) && !valueTruncated) {
        fields[name as (typeof UPLOAD_FIELDS)[number]] = value;
      } else if (valueTruncated) {
        failure ??= rejectedUpload(
          "bad_request:upload",
          `The form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes.`,
        );
      } else ignoredFields.push(name);
    });

    form.on("file", (name, stream, fileName) => {
      // A body cut off inside a part ends that part's stream with an error too; the form's own error
      // below answers it.
      stream.on("error", () => {});
      if (name !== "file" || file) {
        stream.resume();
        return;
      }
      // Mapping fields sent before the file are used as it arrives; those after it, once it is read.
      const upload = new CsvUpload({ ...config.csv, maxBytes }, readColumnMapping(fields).mapping);
      file = { name: fileName ?? "", upload };
      stream.on("data", (chunk: Buffer) => {
        if (failure || upload.limitCrossed) return;
        try {
          upload.push(chunk);
        } catch (error) {
          failure = error instanceof AppError ? error : rejectedUpload("bad_request:upload", String(error));
          // Too large: stop at once rather than read the rest of an oversized body.
          if (failure.code === "payload_too_large:csv") finish(failure);
          return;
        }
        // A body that arrives in one burst (a fast client, a buffering proxy) would otherwise be parsed
        // in one go: let other requests in between pieces.
        stream.pause();
        setImmediate(() => stream.resume());
      });
      stream.on("limit", () => finish(fileTooLarge(maxBytes, null)));
    });

    form.on("error", (error: unknown) => {
      const cutOff = /unexpected end/i.test(error instanceof Error ? error.message : String(error));
      finish(
        rejectedUpload(
          "bad_request:upload",
          cutOff
            ? "The upload ended in the middle of the file; nothing was kept. Please send it again."
            : "The upload could not be read as multipart/form-data. Please try again.",
        ),
      );
    });
    body.on("error", () => {
      finish(rejectedUpload("bad_request:upload", "The upload was cut off before it was complete; nothing was kept."));
    });

    // Emitted once every part has been read (the form's own end, not the body's).
    form.on("finish", () => {
      if (failure) return finish(failure);
      if (!file) {
        return finish(
          rejectedUpload("bad_request:upload", 'No file received: put the CSV in a form field named "file".'),
        );
      }
      const { upload, name } = file;
      readWithMapping(upload, { ...config.csv, maxBytes }, readColumnMapping(fields).mapping).then(
        (csv) =>
          finish(null, {
            fileName: name,
            csv,
            chunks: upload.chunks,
            byteLength: upload.byteLength,
            fields,
            ignoredFields,
          }),
        (error: unknown) => finish(error),
      );
    });

    body.pipe(form);
  });
}
