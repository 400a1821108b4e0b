import { AppError } from "./errors";

/**
 * The one place errors become HTTP responses. An AppError says what the user did wrong or what is
 * unavailable; anything else is logged with its context and answered without internals.
 */
export function errorResponse(error: unknown, context: string): Response {
  if (error instanceof AppError) {
    return Response.json({ error: error.message, code: error.code, ...error.body }, { status: error.status });
  }
  console.error(`[${context}]`, error);
  return Response.json({ error: "Something went wrong on our side. Please try again; if it keeps happening, contact support.", code: "internal" }, { status: 500 });
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
