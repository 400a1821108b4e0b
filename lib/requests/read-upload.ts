import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import busboy from "busboy";
import { config } from "@/lib/config";
import { CsvUpload, fileTooLarge } from "@/lib/csv/csv-upload";
import type { ParsedProductCsv } from "@/lib/csv/parse-product-csv";
import { AppError, rejectedUpload } from "@/lib/errors";
import { shuttingDown } from "@/lib/shutdown";

/** Multipart framing around the file; a body declared larger than the limit plus this is refused unread. */
const MULTIPART_OVERHEAD = 64 * 1024;
/** Form fields are short settings; a longer one is not one of ours. */
const MAX_FIELD_BYTES = 4 * 1024;

/** The form fields an upload may carry beside the file. */
export const UPLOAD_FIELDS = ["quality", "webhookUrl", "format", "maxWidth", "maxHeight"] as const;
export type UploadFields = Partial<Record<(typeof UPLOAD_FIELDS)[number], string>>;

export type ReadUpload = {
  fileName: string;
  csv: ParsedProductCsv;
  /** The file's bytes as they arrived, to be stored once the upload is accepted. */
  chunks: Buffer[];
  byteLength: number;
  fields: UploadFields;
};

/**
 * Reads a multipart upload as a stream: the CSV is checked row by row while it arrives, nothing is
 * buffered twice, and reading ends at the first limit crossed or when the deadline passes. A slow or
 * endless body holds a connection for `UPLOAD_TIMEOUT_MS` at most.
 */
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

  let form: busboy.Busboy;
  try {
    form = busboy({
      headers: { "content-type": contentType },
      limits: { files: 1, fileSize: maxBytes + 1, fields: 10, fieldSize: MAX_FIELD_BYTES, parts: 12 },
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

    form.on("field", (name, value, info) => {
      if ((UPLOAD_FIELDS as readonly string[]).includes(name) && !info.valueTruncated) {
        fields[name as keyof UploadFields] = value;
      } else if (info.valueTruncated) {
        failure ??= rejectedUpload(
          "bad_request:upload",
          `The form field "${name}" is longer than ${MAX_FIELD_BYTES} bytes.`,
        );
      }
    });

    form.on("file", (name, stream, info) => {
      // A body cut off inside a part ends that part's stream with an error too; the form's own error
      // below answers it.
      stream.on("error", () => {});
      if (name !== "file" || file) {
        stream.resume();
        return;
      }
      const upload = new CsvUpload({ ...config.csv, maxBytes });
      file = { name: info.filename ?? "", upload };
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

    form.on("error", (error: Error) => {
      const cutOff = /unexpected end/i.test(error.message);
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

    form.on("close", () => {
      if (failure) return finish(failure);
      if (!file) {
        return finish(
          rejectedUpload("bad_request:upload", 'No file received: put the CSV in a form field named "file".'),
        );
      }
      try {
        const csv = file.upload.end();
        finish(null, {
          fileName: file.name,
          csv,
          chunks: file.upload.chunks,
          byteLength: file.upload.byteLength,
          fields,
        });
      } catch (error) {
        finish(error);
      }
    });

    body.pipe(form);
  });
}
