import postgres from "postgres";

/**
 * The bench's own PostgreSQL database, `csv_bench`, made empty for each server that uses it. Only the
 * maintenance database `postgres` is connected to for that; no other database is touched.
 */

const SERVER = "postgres://postgres@127.0.0.1:5432";
export const BENCH_DATABASE_URL = `${SERVER}/csv_bench`;

export async function recreateBenchDatabase(): Promise<string> {
  const admin = postgres(`${SERVER}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    // FORCE ends sessions a previous, interrupted run may have left open.
    await admin.unsafe("DROP DATABASE IF EXISTS csv_bench WITH (FORCE)");
    await admin.unsafe("CREATE DATABASE csv_bench");
  } finally {
    await admin.end();
  }
  return BENCH_DATABASE_URL;
}
