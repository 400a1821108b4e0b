import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { type CSV_LAYOUTS, IMAGE_STATUSES, REQUEST_STATUSES, WEBHOOK_STATUSES } from "./enums";

/** Every table of the service and its row types. Migrations in `db/migrations` are generated from this file. */

export const requestStatus = pgEnum("request_status", REQUEST_STATUSES);
export const imageStatus = pgEnum("image_status", IMAGE_STATUSES);
export const webhookStatus = pgEnum("webhook_status", WEBHOOK_STATUSES);

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

/** A team using the service with API keys (AUTH_MODE=keys): its requests are its own. */
export const workspaces = pgTable("workspaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** Signs this workspace's webhook deliveries (Standard Webhooks, `whsec_…`). */
  webhookSecret: text("webhook_secret").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** A workspace's API key. Only its hash is kept; the prefix identifies it in lists and logs. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: serial("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    prefix: text("prefix").notNull().unique(),
    /** SHA-256 of the whole key: keys are long random strings, so a fast hash is enough. */
    hash: text("hash").notNull(),
    name: text("name"),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (table) => [index("api_keys_workspace_idx").on(table.workspaceId)],
);

/**
 * A dashboard session (keys mode): signed in with a key, ended by signing out, by the key's
 * revocation or by time. The cookie names it; ending it here ends it for whoever holds the cookie.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    keyId: integer("key_id")
      .notNull()
      .references(() => apiKeys.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    endedAt: timestamp("ended_at", { withTimezone: true, mode: "date" }),
  },
  (table) => [index("sessions_expires_at_idx").on(table.expiresAt)],
);

export type StoredCsvLayout = {
  kind: (typeof CSV_LAYOUTS)[number];
  ids: number[];
  name: number;
  images: number[];
};

/** One uploaded CSV. The counters let status answer without scanning its images. */
export const requests = pgTable(
  "requests",
  {
    id: text("id").primaryKey(),
    /**
     * The folder its files are kept under (`images/<filesId>/…`): output URLs go to shops and
     * marketplaces, and must not carry the request's id, which opens its status and output CSV. Requests
     * stored before it existed keep their files under their id (`requestFolders`).
     */
    filesId: text("files_id")
      .notNull()
      .default(sql`gen_random_uuid()::text`),
    /**
     * Whose request it is: `ws:<workspace id>` in keys mode, `anon:<cookie>` for a browser in open
     * mode, null for an API client in open mode (listed to nobody, reachable by its id).
     */
    owner: text("owner"),
    /** Who sent it, for limits on requests at once: the workspace, else the client's address. */
    clientKey: text("client_key"),
    status: requestStatus("status").notNull().default("processing"),
    fileName: text("file_name").notNull(),
    inputCsvKey: text("input_csv_key").notNull(),
    inputCsvUrl: text("input_csv_url").notNull(),
    outputCsvKey: text("output_csv_key"),
    /**
     * Where the uploaded CSV's products are (column indexes) and which layout it is in: the output CSV
     * is written from the stored input with it. Null for requests stored before layouts: the template.
     */
    csvLayout: jsonb("csv_layout").$type<StoredCsvLayout>(),
    quality: integer("quality").notNull(),
    /** What the images become: keep, jpeg, png, webp, avif or auto (lib/contract.ts OUTPUT_FORMATS). */
    outputFormat: text("output_format").notNull().default("keep"),
    maxWidth: integer("max_width"),
    maxHeight: integer("max_height"),
    /** Target size of each output in bytes: the highest quality that fits is used. */
    maxBytes: integer("max_bytes"),
    totalProducts: integer("total_products").notNull(),
    totalImages: integer("total_images").notNull(),
    processedImages: integer("processed_images").notNull().default(0),
    failedImages: integer("failed_images").notNull().default(0),
    /** Images never started because the request was cancelled. */
    cancelledImages: integer("cancelled_images").notNull().default(0),
    /** Processed images whose output was copied from an earlier one instead of compressed again. */
    reusedImages: integer("reused_images").notNull().default(0),
    bytesIn: bigint("bytes_in", { mode: "number" }).notNull().default(0),
    bytesOut: bigint("bytes_out", { mode: "number" }).notNull().default(0),
    error: text("error"),
    webhookUrl: text("webhook_url"),
    /**
     * Signs the deliveries to a webhook the uploader chose in open mode: a secret of the uploader's
     * alone, answered once in the 202 (WEBHOOK_SECRET signs only the operator's own WEBHOOK_URL).
     */
    webhookSecret: text("webhook_secret"),
    webhookStatus: webhookStatus("webhook_status"),
    webhookAttempts: integer("webhook_attempts").notNull().default(0),
    webhookLastError: text("webhook_last_error"),
    webhookDeliveredAt: timestamp("webhook_delivered_at", { withTimezone: true, mode: "date" }),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [
    index("requests_created_at_idx").on(table.createdAt),
    index("requests_status_idx").on(table.status),
    // The retention sweep looks for requests closed before a cut-off.
    index("requests_completed_at_idx").on(table.completedAt),
    index("requests_owner_idx").on(table.owner, table.createdAt),
    index("requests_client_status_idx").on(table.clientKey, table.status),
    // The files route finds a file's request by its folder.
    uniqueIndex("requests_files_id_idx").on(table.filesId),
  ],
);

/** One row of the CSV, in input order (`position`). */
export const products = pgTable(
  "products",
  {
    id: serial("id").primaryKey(),
    // No foreign key: checking one per row doubles the cost of storing a 50,000-image upload. Rows are
    // only written with their request, in one transaction, and deleteRequestRows removes all of them.
    requestId: text("request_id").notNull(),
    position: integer("position").notNull(),
    rowNumber: integer("row_number").notNull(),
    serialNumber: text("serial_number").notNull(),
    productName: text("product_name").notNull(),
    inputUrlsCell: text("input_urls_cell").notNull(),
    /** The row's images in input order, by their `position` in the request. */
    imagePositions: integer("image_positions").array().notNull(),
    /** The row each image is on, beside `imagePositions`, when a product spans rows (Shopify); else null. */
    imageRows: integer("image_rows").array(),
  },
  (table) => [uniqueIndex("products_request_position_idx").on(table.requestId, table.position)],
);

/** The images whose output reuse may copy: both reuse lookups in `earlier-outputs.ts` ask for exactly this. */
const finishedOutput = (image: { status: AnyPgColumn; outputKey: AnyPgColumn }) =>
  sql`${image.status} = 'completed' and ${image.outputKey} is not null`;

/** One distinct image URL of a request: the same URL in several rows is downloaded once. */
export const images = pgTable(
  "images",
  {
    id: serial("id").primaryKey(),
    // No foreign key: checking one per row doubles the cost of storing a 50,000-image upload. Rows are
    // only written with their request, in one transaction, and deleteRequestRows removes all of them.
    requestId: text("request_id").notNull(),
    /** Index of the image among the request's distinct URLs, in the order they first appear. */
    position: integer("position").notNull(),
    url: text("url").notNull(),
    status: imageStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    outputKey: text("output_key"),
    /** A small WebP preview of the input made by the service; null when none could be made. */
    thumbnailKey: text("thumbnail_key"),
    /** A small WebP preview of the output, for lists: the output itself may be megabytes. */
    outputThumbnailKey: text("output_thumbnail_key"),
    /** The original at the output's size (bounded), the "before" of a full-size compare. */
    originalPreviewKey: text("original_preview_key"),
    format: text("format"),
    width: integer("width"),
    height: integer("height"),
    bytesIn: integer("bytes_in"),
    bytesOut: integer("bytes_out"),
    optimized: boolean("optimized"),
    /** The output was copied from an earlier image with the same bytes and options. */
    reused: boolean("reused").notNull().default(false),
    /**
     * SHA-256 of the input bytes and the options that shape the output: two images with the same
     * fingerprint have the same output, so a finished one can stand in for the other.
     */
    outputFingerprint: text("output_fingerprint"),
    /** The image server's validators for the URL, sent back on its next download (a 304 saves it). */
    sourceEtag: text("source_etag"),
    sourceLastModified: text("source_last_modified"),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
    ...timestamps,
  },
  (table) => [
    // Runners page through a request's unfinished images by position; status looks them up the same way.
    uniqueIndex("images_request_position_idx").on(table.requestId, table.position),
    // Reuse looks up earlier outputs by fingerprint, and earlier downloads of a URL (hash: URLs are long).
    // Both hold finished outputs only, the one kind of row reuse asks for: an upload's pending images
    // are not written into them, which makes storing 50,000 of them a fifth faster on PGlite.
    index("images_output_fingerprint_idx").on(table.outputFingerprint).where(finishedOutput(table)),
    index("images_url_idx").using("hash", table.url).where(finishedOutput(table)),
    // Status lists a request's images in one state (its failed ones) and counts those under way. Waiting
    // images, nearly all of a new upload, are left out: storing an upload writes nothing more.
    index("images_request_status_idx")
      .on(table.requestId, table.status, table.position)
      .where(sql`${table.status} <> 'pending'`),
    // Status measures the pace from the images finished in the last minute, read from the newest back.
    index("images_request_finished_idx")
      .on(table.requestId, table.completedAt)
      .where(sql`${table.status} in ('completed', 'failed')`),
  ],
);

export type RequestRow = typeof requests.$inferSelect;
export type ImageRow = typeof images.$inferSelect;

/**
 * Uploads sent with an `Idempotency-Key`: the same key and body within a day answer the first 202
 * again. A row without `response` is an upload still being accepted.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    /** The owner or client the key belongs to: two clients may use the same key. */
    scope: text("scope").notNull(),
    key: text("key").notNull(),
    /** SHA-256 of the file and form fields: the same key with another body is refused. */
    fingerprint: text("fingerprint").notNull(),
    response: jsonb("response").$type<Record<string, unknown>>(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.key] })],
);

/** Points consumed per client and window, kept by rate-limiter-flexible (its Drizzle store). */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull(),
  expire: timestamp("expire", { withTimezone: true, mode: "date" }),
});

export type WorkspaceRow = typeof workspaces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
