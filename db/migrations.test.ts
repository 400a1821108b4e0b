import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { afterAll, describe, expect, it } from "vitest";

/**
 * Migrations keep what is stored: a database written by an earlier version of the service is
 * migrated to the current schema, and its requests read the same afterwards.
 */

const MIGRATIONS = path.join(import.meta.dirname, "migrations");
const folders: string[] = [];

afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** A migrations folder holding only the first `count` migrations, as an earlier release shipped them. */
function migrationsUpTo(count: number): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  folders.push(folder);
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalFile = path.join(folder, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8"));
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe("migrating a database of the version before image positions", () => {
  it("numbers each request's images in stored order and names each product's images by number", async () => {
    const client = await PGlite.create("memory://");
    const db = drizzle({ client });
    await migrate(db, { migrationsFolder: migrationsUpTo(2) });

    await client.exec(`
      insert into requests (id, file_name, input_csv_key, input_csv_url, quality, total_products, total_images)
      values ('r1', 'a.csv', 'k', 'u', 50, 2, 3), ('r2', 'b.csv', 'k', 'u', 50, 1, 1);
      insert into images (request_id, url) values
        ('r1', 'https://shop.test/a.jpg'), ('r2', 'https://shop.test/a.jpg'),
        ('r1', 'https://shop.test/b.jpg'), ('r1', 'https://shop.test/c.jpg');
      insert into products (request_id, position, row_number, serial_number, product_name, input_urls_cell, image_urls) values
        ('r1', 0, 2, '1', 'Shirt', 'x', '["https://shop.test/c.jpg", "https://shop.test/a.jpg"]'),
        ('r1', 1, 3, '2', 'Mug', 'x', '["https://shop.test/b.jpg", "https://shop.test/c.jpg"]'),
        ('r2', 0, 2, '1', 'Cap', 'x', '["https://shop.test/a.jpg"]');
    `);

    await migrate(db, { migrationsFolder: MIGRATIONS });

    const images = await client.query<{ request_id: string; url: string; position: number }>(
      "select request_id, url, position from images order by request_id, position",
    );
    expect(images.rows).toEqual([
      { request_id: "r1", url: "https://shop.test/a.jpg", position: 0 },
      { request_id: "r1", url: "https://shop.test/b.jpg", position: 1 },
      { request_id: "r1", url: "https://shop.test/c.jpg", position: 2 },
      { request_id: "r2", url: "https://shop.test/a.jpg", position: 0 },
    ]);
    const products = await client.query<{ product_name: string; image_positions: number[] }>(
      "select product_name, image_positions from products order by request_id, position",
    );
    expect(products.rows).toEqual([
      { product_name: "Shirt", image_positions: [2, 0] },
      { product_name: "Mug", image_positions: [1, 2] },
      { product_name: "Cap", image_positions: [0] },
    ]);
    await client.close();
  });
});
