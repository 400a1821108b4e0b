import postgres from "postgres";

/** Vitest global set-up for the PostgreSQL project: every run starts from an empty database. */
export default async function resetPostgres() {
  const url = process.env.DATABASE_URL;
  if (!url) return;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("drop schema if exists drizzle cascade; drop schema public cascade; create schema public;");
  } finally {
    await sql.end();
  }
}
