import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgliteServer } from "./pglite-server";

/**
 * The embedded database's socket, driven by postgres.js as the service drives it: several
 * connections share PGlite's one session, and each behaves as if it had a session of its own.
 */

const folder = mkdtempSync(path.join(os.tmpdir(), "pglite-server-"));
const socketPath = path.join(folder, "db.sock");
let db: PGlite;
let server: PgliteServer;

const connect = (max: number) =>
  postgres({ path: socketPath, user: "postgres", database: "template1", max, onnotice: () => {} });

beforeAll(async () => {
  db = await PGlite.create("memory://");
  server = new PgliteServer({ db, path: socketPath });
  await server.listen();
  await db.exec("create table entries (id serial primary key, who text not null, n int not null)");
});

afterAll(async () => {
  await server.close();
  await db.close();
  rmSync(folder, { recursive: true, force: true });
});

describe("the embedded database's socket", () => {
  it("keeps a transaction to its connection: others wait for it, and its rollback undoes only its own rows", async () => {
    const sql = connect(4);
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = sql
      .begin(async (tx) => {
        await tx`insert into entries (who, n) values ('tx', 1)`;
        order.push("transaction wrote");
        await held;
        order.push("transaction ends");
        throw new Error("undo");
      })
      .catch(() => {});
    // Another connection's write, sent while the transaction is open: it runs once the session is free.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = sql`insert into entries (who, n) values ('other', 2)`.then(() => order.push("other wrote"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await Promise.all([transaction, other]);

    expect(order).toEqual(["transaction wrote", "transaction ends", "other wrote"]);
    expect(await sql`select who from entries order by id`).toEqual([{ who: "other" }]);
    await sql.end();
  });

  it("never mixes two connections' statements: every pipelined answer is its own query's", async () => {
    const [first, second] = [connect(1), connect(1)];
    const ask = (sql: postgres.Sql, i: number) => sql`select ${i}::int * 2 as doubled, ${`q${i}`}::text as tag`;
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) => ask(i % 2 ? first : second, i).then(([row]) => ({ i, row }))),
    );
    for (const { i, row } of answers) expect(row).toEqual({ doubled: i * 2, tag: `q${i}` });
    await Promise.all([first.end(), second.end()]);
  });

  it("undoes the transaction of a connection that is lost, and forgets its prepared statements", async () => {
    const prepared = async () =>
      new Set(
        (await db.query<{ name: string }>("select name from pg_prepared_statements")).rows.map((row) => row.name),
      );
    const before = await prepared();
    const lost = connect(1);
    await lost`select ${1}::int as one`;
    const its = [...(await prepared())].filter((name) => !before.has(name));
    expect(its.length).toBeGreaterThan(0);
    const started = lost.begin(async (tx) => {
      await tx`insert into entries (who, n) values ('lost', 3)`;
      await new Promise(() => {});
    });
    void started.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await lost.end({ timeout: 0 });

    const sql = connect(1);
    await expect.poll(async () => (await sql`select count(*)::int as n from entries where who = 'lost'`)[0].n).toBe(0);
    await expect
      .poll(async () => {
        const now = await prepared();
        return its.filter((name) => now.has(name));
      })
      .toEqual([]);
    await sql.end();
  });
});
