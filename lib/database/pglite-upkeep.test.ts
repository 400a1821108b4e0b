import { PGlite } from "@electric-sql/pglite";
import { afterEach, describe, expect, it } from "vitest";
import { startUpkeep, tidyTables } from "./pglite-upkeep";

/**
 * The embedded database's own autovacuum, on a real PGlite: tables that were changed a lot are
 * vacuumed (their space is used again) and analyzed (the planner gets statistics); quiet ones are
 * left alone.
 */

const ROWS = 5_000;
const clients: PGlite[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function databaseWithCounters() {
  const client = await PGlite.create("memory://");
  clients.push(client);
  await client.exec(`
    create table counters (id int primary key, done int not null default 0, note text not null default '');
    create table settings (name text primary key, value text not null);
    insert into counters (id) select i from generate_series(1, ${ROWS}) i;
    insert into settings values ('colour', 'blue');
  `);
  return client;
}

/** Every counter updated once: as many dead rows as live ones. */
const countEveryRow = (client: PGlite) => client.exec(`update counters set done = done + 1, note = repeat('x', 40)`);

async function activity(client: PGlite, table: string) {
  await client.query("select pg_stat_force_next_flush()");
  const { rows } = await client.query<{ dead: number; reltuples: number; bytes: number }>(
    `select n_dead_tup::int as dead, (select reltuples from pg_class where relname = $1::text)::int as reltuples,
       pg_table_size($1::regclass)::int as bytes
     from pg_stat_user_tables where relname = $1::text`,
    [table],
  );
  return rows[0];
}

describe("tidying the embedded database", () => {
  it("vacuums and analyzes a table with many dead rows, and leaves a quiet one alone", async () => {
    const client = await databaseWithCounters();
    await countEveryRow(client);
    expect((await activity(client, "counters")).dead).toBe(ROWS);

    const tidied = await tidyTables(client);

    // `settings` was written once (1 change, under the threshold of 50): not worth a VACUUM.
    expect(tidied).toEqual(["counters"]);
    const after = await activity(client, "counters");
    expect(after.dead).toBe(0);
    expect(after.reltuples).toBe(ROWS);
    expect(await tidyTables(client)).toEqual([]);
  });

  it("keeps a table that is updated over and over at the same size, where it otherwise keeps growing", async () => {
    const tidy = await databaseWithCounters();
    const untended = await databaseWithCounters();
    await Promise.all([countEveryRow(tidy), countEveryRow(untended)]);
    await tidyTables(tidy);
    const tidySize = (await activity(tidy, "counters")).bytes;
    const untendedSize = (await activity(untended, "counters")).bytes;

    for (let round = 0; round < 4; round++) {
      await Promise.all([countEveryRow(tidy), countEveryRow(untended)]);
      await tidyTables(tidy);
    }

    expect((await activity(tidy, "counters")).bytes).toBeLessThanOrEqual(tidySize * 1.5);
    expect((await activity(untended, "counters")).bytes).toBeGreaterThan(untendedSize * 2);
  });

  it("runs on its own every interval until stopped", async () => {
    const client = await databaseWithCounters();
    const stop = startUpkeep((tidy) => tidy(client), { everyMs: 20 });
    await countEveryRow(client);
    await expect.poll(async () => (await activity(client, "counters")).dead, { timeout: 5_000 }).toBe(0);

    await stop();
    await countEveryRow(client);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await activity(client, "counters")).dead).toBe(ROWS);
  });
});
