import "server-only";
import { sql } from "drizzle-orm";
import { getDb } from "./client";
import { rowsOf } from "./raw-sql";
import { requests } from "./schema";

export type SavingsDayRow = { date: string; requests: number; bytesIn: number; bytesOut: number };

/**
 * One owner's uploads since `since`, summed per day of upload (UTC) from each request's byte
 * counters: the owner index gives the rows, and no image is read.
 */
export async function sumSavingsByDay({ owner, since }: { owner: string; since: Date }): Promise<SavingsDayRow[]> {
  const db = await getDb();
  const rows = rowsOf<{ date: string; requests: number; bytes_in: string | number; bytes_out: string | number }>(
    await db.execute(sql`
      select to_char(${requests.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as date,
        count(*)::int as requests,
        coalesce(sum(${requests.bytesIn}), 0)::int8 as bytes_in,
        coalesce(sum(${requests.bytesOut}), 0)::int8 as bytes_out
      from ${requests}
      where ${requests.owner} = ${owner} and ${requests.createdAt} >= ${since.toISOString()}::timestamptz
      group by 1
      order by 1`),
  );
  return rows.map((row) => ({
    date: row.date,
    requests: row.requests,
    bytesIn: Number(row.bytes_in),
    bytesOut: Number(row.bytes_out),
  }));
}
