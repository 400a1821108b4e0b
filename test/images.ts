import { and, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { images, type ImageRow } from "@/db/schema";

/** A request's image rows by URL, for tests that follow one image through the pipeline. */
export async function imagesByUrl({ requestId, urls }: { requestId: string; urls: string[] }) {
  const db = await getDb();
  const rows = await db
    .select()
    .from(images)
    .where(and(eq(images.requestId, requestId), inArray(images.url, urls)));
  return new Map<string, ImageRow>(rows.map((row) => [row.url, row]));
}
