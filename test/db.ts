import { randomUUID } from "node:crypto";
import { and, count, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db/client";
import { images, type ImageRow, requests } from "@/db/schema";

/** A request's image rows by URL, for tests that follow one image through the pipeline. */
export async function imagesByUrl({ requestId, urls }: { requestId: string; urls: string[] }) {
  const db = await getDb();
  const rows = await db
    .select()
    .from(images)
    .where(and(eq(images.requestId, requestId), inArray(images.url, urls)));
  return new Map<string, ImageRow>(rows.map((row) => [row.url, row]));
}

/**
 * Requests stored from uploads of this file name. Tests that a refused upload kept nothing look for
 * their own unique file name: other test files share the PostgreSQL database and upload meanwhile.
 */
export async function requestsNamed(fileName: string): Promise<number> {
  const db = await getDb();
  const [row] = await db.select({ count: count() }).from(requests).where(eq(requests.fileName, fileName));
  return row.count;
}

/** A file name no other upload uses. */
export function uniqueFileName(stem = "products"): string {
  return `${stem}-${randomUUID()}.csv`;
}

/** The folders a request's files are kept in (`images/<filesId>`, …), read while the request exists. */
export async function filesFoldersOf(requestId: string): Promise<string[]> {
  const db = await getDb();
  const [row] = await db.select({ filesId: requests.filesId }).from(requests).where(eq(requests.id, requestId));
  return ["uploads", "images", "thumbnails", "outputs"].map((kind) => `${kind}/${row.filesId}`);
}

/** A request's files folder name (`filesId`), as its storage keys and file URLs carry it. */
export async function filesIdOf(requestId: string): Promise<string> {
  const db = await getDb();
  const [row] = await db.select({ filesId: requests.filesId }).from(requests).where(eq(requests.id, requestId));
  return row.filesId;
}
