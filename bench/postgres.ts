import postgres from "postgres";

/**
 * The bench's own PostgreSQL database, `csv_bench`, made empty for each server that uses it. Only the
 * maintenance database `postgres` is connected to for that; no other database is touched.
 */

const SERVER = "postgres://postgres@127.0.0.1:5432";
export const BENCH_DATABASE_URL = `${SERVER}/csv_bench`;

/** `name`: a database of the section's own, when its rows must not meet another section's. */
export async function recreateBenchDatabase(name = "csv_bench"): Promise<string> {
  const admin = postgres(`${SERVER}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    // FORCE ends sessions a previous, interrupted run may have left open.
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `${SERVER}/${name}`;
}
