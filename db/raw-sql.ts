import { sql } from "drizzle-orm";

/** Helpers for statements written in SQL rather than with the query builder. */

/**
 * A column of values as one text-array parameter, cast back in SQL. postgres.js types an array
 * parameter by its first element, so `[false, true]` or `[null, 3]` would not arrive as arrays.
 */
export function asText(values: (string | number | boolean | null)[]) {
  return sql.param(values.map((value) => (value === null ? null : String(value))));
}

/** The rows of a raw statement: postgres.js answers with an array, PGlite with `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
