import "server-only";
import { and, asc, count, desc, eq, getTableName, inArray, isNull, or, sql } from "drizzle-orm";
import { getDb } from "./client";
import { rowsOf } from "./raw-sql";
import { images, products, requests, type RequestRow } from "./schema";

/** Requests and their products: storing an upload, reading it back, closing it, counting. */

export type NewRequest = Pick<
  RequestRow,
  | "id"
  | "filesId"
  | "owner"
  | "clientKey"
  | "fileName"
  | "inputCsvKey"
  | "inputCsvUrl"
  | "quality"
  | "outputFormat"
  | "maxWidth"
  | "maxHeight"
  | "totalProducts"
  | "totalImages"
  | "webhookUrl"
  | "webhookSecret"
> &
  Partial<Pick<RequestRow, "csvLayout" | "maxBytes">>;

export type NewProduct = {
  position: number;
  rowNumber: number;
  serialNumber: string;
  productName: string;
  inputUrlsCell: string;
  /** The row's images by their position in `imageUrls` of the same request. */
  imagePositions: number[];
  /** The row each image is on, when not all are on `rowNumber` (a product that spans rows); else null. */
  imageRows: number[] | null;
};

/**
 * Rows per insert statement. PGlite runs one statement at a time: 10,000 rows take about a tenth of
 * a second, short enough for other connections' statements (status, the runner) to run in between.
 */
const ROWS_PER_STATEMENT = 10_000;

/**
 * Stores a request with its products and distinct images in one transaction: all or nothing. An
 * image's position is its index in `imageUrls`; products name their images by position. Rows
 * go in as whole columns (`unnest` of one array per column), so 50,000 images are one statement
 * with a handful of parameters, not 50,000 inserts.
 */
export async function insertRequest({
  request,
  productRows,
  imageUrls,
}: {
  request: NewRequest;
  productRows: NewProduct[];
  imageUrls: string[];
}) {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.insert(requests).values({ ...request, webhookStatus: request.webhookUrl ? "pending" : null });
    const column = <T>(pick: (row: NewProduct) => T) => sql.param(productRows.map(pick));
    await tx.execute(sql`
      insert into ${products} (request_id, position, row_number, serial_number, product_name, input_urls_cell, image_positions, image_rows)
      select ${request.id}, position, row_number, serial_number, product_name, input_urls_cell, image_positions::int4[], image_rows::int4[]
      from unnest(
        ${column((row) => row.position)}::int4[],
        ${column((row) => row.rowNumber)}::int4[],
        ${column((row) => row.serialNumber)}::text[],
        ${column((row) => row.productName)}::text[],
        ${column((row) => row.inputUrlsCell)}::text[],
        ${column((row) => `{${row.imagePositions.join(",")}}`)}::text[],
        ${column((row) => (row.imageRows ? `{${row.imageRows.join(",")}}` : null))}::text[]
      ) as row(position, row_number, serial_number, product_name, input_urls_cell, image_positions, image_rows)`);
    for (let start = 0; start < imageUrls.length; start += ROWS_PER_STATEMENT) {
      const chunk = imageUrls.slice(start, start + ROWS_PER_STATEMENT);
      await tx.execute(sql`
        insert into ${images} (request_id, position, url)
        select ${request.id}, ${start} + ordinality - 1, url
        from unnest(${sql.param(chunk)}::text[]) with ordinality as image(url, ordinality)`);
    }
  });
}

/** Below this many images, a misjudged plan costs little: statistics are left to the usual upkeep. */
const ANALYZE_FROM_IMAGES = 1_000;

/**
 * Brings the statistics of the images and products tables up to date when this upload alone grew
 * them by more than a tenth (autovacuum's own rule, applied at once rather than up to a minute later,
 * or never on PGlite): with statistics from a nearly empty table, the planner takes a new
 * 50,000-image request for a few rows and reads all of its remaining images to claim each page of
 * them (14 ms a page instead of 4 on PGlite). ANALYZE reads a sample of fixed size.
 */
export async function refreshImageStatistics(added: number) {
  if (added < ANALYZE_FROM_IMAGES) return;
  const db = await getDb();
  const [{ rows }] = rowsOf<{ rows: number }>(
    await db.execute(
      sql`select reltuples::float8 as rows from pg_class where oid = to_regclass(${getTableName(images)})`,
    ),
  );
  if (added > 0.1 * Math.max(rows, 0)) await db.execute(sql`analyze ${images}, ${products}`);
}

export async function findRequest(requestId: string): Promise<RequestRow | null> {
  const db = await getDb();
  const [row] = await db.select().from(requests).where(eq(requests.id, requestId));
  return row ?? null;
}

/**
 * The owner of the request whose files are kept in `folder`: null when it has none, undefined when no
 * request keeps files there. Requests stored before files had folders of their own kept them under
 * their id.
 */
export async function findFilesOwner(folder: string): Promise<string | null | undefined> {
  const db = await getDb();
  const [row] = await db
    .select({ owner: requests.owner })
    .from(requests)
    .where(or(eq(requests.filesId, folder), eq(requests.id, folder)));
  return row?.owner;
}

/** One owner's requests, newest first. */
export async function listRecentRequests({ owner, limit, offset }: { owner: string; limit: number; offset: number }) {
  const db = await getDb();
  const [rows, [{ total }]] = await Promise.all([
    db
      .select()
      .from(requests)
      .where(eq(requests.owner, owner))
      .orderBy(desc(requests.createdAt), desc(requests.id))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(requests).where(eq(requests.owner, owner)),
  ]);
  return { rows, total };
}

export async function listProducts({ requestId, limit, offset }: { requestId: string; limit: number; offset: number }) {
  const db = await getDb();
  return db
    .select()
    .from(products)
    .where(eq(products.requestId, requestId))
    .orderBy(asc(products.position))
    .limit(limit)
    .offset(offset);
}

/** Requests whose every image is counted but that were never closed (a crash between the two, a cancel). */
export async function listRequestsAwaitingFinish(): Promise<string[]> {
  const db = await getDb();
  const rows = await db
    .select({ id: requests.id })
    .from(requests)
    .where(
      and(
        inArray(requests.status, ["processing", "cancelled"]),
        isNull(requests.completedAt),
        sql`${requests.processedImages} + ${requests.failedImages} + ${requests.cancelledImages} >= ${requests.totalImages}`,
      ),
    );
  return rows.map((row) => row.id);
}

/** Requests still being processed, oldest first: what a runner resumes at start-up. */
export async function listProcessingRequests(): Promise<Pick<RequestRow, "id" | "owner" | "clientKey">[]> {
  const db = await getDb();
  return db
    .select({ id: requests.id, owner: requests.owner, clientKey: requests.clientKey })
    .from(requests)
    .where(eq(requests.status, "processing"))
    .orderBy(asc(requests.createdAt));
}

/** Closes a request; only the first call changes anything. Returns whether this call closed it. */
export async function closeRequest({
  requestId,
  status,
  outputCsvKey,
  error,
}: {
  requestId: string;
  status: "completed" | "failed" | "cancelled";
  outputCsvKey: string | null;
  error: string | null;
}) {
  const db = await getDb();
  const now = new Date();
  const rows = await db
    .update(requests)
    .set({ status, outputCsvKey, error, completedAt: now, updatedAt: now })
    .where(
      and(
        eq(requests.id, requestId),
        inArray(requests.status, ["processing", "cancelled"]),
        isNull(requests.completedAt),
        // A stale finisher never closes a request reopened by a retry while its images wait.
        sql`${requests.processedImages} + ${requests.failedImages} + ${requests.cancelledImages} >= ${requests.totalImages}`,
      ),
    )
    .returning({ id: requests.id });
  return rows.length > 0;
}

/** Requests per status, for the metrics scrape. */
export async function countRequestsByStatus(): Promise<{ status: RequestRow["status"]; count: number }[]> {
  const db = await getDb();
  return db
    .select({ status: requests.status, count: sql<number>`count(*)::int` })
    .from(requests)
    .groupBy(requests.status);
}

/** Requests of one client still processing: the limit on requests at once. */
export async function countProcessingRequests(clientKey: string): Promise<number> {
  const db = await getDb();
  const [row] = await db
    .select({ count: count() })
    .from(requests)
    .where(and(eq(requests.clientKey, clientKey), eq(requests.status, "processing")));
  return row.count;
}

/**
 * A request's rows that use any of the given images, in input order. It reads every row of the
 * request (at most MAX_ROWS) to compare their image lists: only asked for a page of images.
 */
export async function listProductsUsingImages({ requestId, positions }: { requestId: string; positions: number[] }) {
  if (positions.length === 0) return [];
  const db = await getDb();
  return db
    .select()
    .from(products)
    .where(
      and(
        eq(products.requestId, requestId),
        sql`${products.imagePositions} && ${sql.param([...new Set(positions)])}::int4[]`,
      ),
    )
    .orderBy(asc(products.position));
}
