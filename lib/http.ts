import { AppError } from "./errors";
import { logger } from "./logger";

/**
 * The one place errors become HTTP responses. An AppError says what the user did wrong or what is
 * unavailable; anything else is logged with its context and answered without internals.
 */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof AppError) {
    return Response.json({ error: error.message, code: error.code, ...error.body }, { status: error.status });
  }
  logger.error({ err: error, route: context }, "request failed on our side");
  return Response.json(
    {
      error: "Something went wrong on our side. Please try again; if it keeps happening, contact support.",
      code: "internal",
    },
    { status: 500 },
  );
}

/** Wraps a route handler so every thrown error is answered by `errorResponse`. */
export function handleErrors<Args extends unknown[]>(context: string, handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}

export function positiveInt(value: string | null, fallback: number): number {
  const parsed = Number(value);
  return value !== null && Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/**
 * Reads a request body, stopping as soon as it passes `limit` bytes: a declared Content-Length
 * can be absent (chunked uploads) or wrong, so the bytes are counted as they arrive.
 * Returns null when the body is too large.
 */
export async function readBodyWithLimit(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
