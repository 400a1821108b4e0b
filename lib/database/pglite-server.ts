import { chmod, unlink } from "node:fs/promises";
import net from "node:net";
import type { PGlite } from "@electric-sql/pglite";

/**
 * The embedded database as a PostgreSQL server: PGlite (one Postgres session) behind a Unix socket
 * that speaks the wire protocol, so every thread of the server, and a CLI beside it, reaches it with
 * the same driver as a real PostgreSQL.
 *
 * PGlite has one session; several connections share it. Their messages are run a whole pipeline at a
 * time (everything up to a Sync or a simple query), never interleaved: a connection that leaves the
 * session inside a transaction (or mid extended-query, after a Flush) keeps it to itself until it is
 * idle again, and the others wait. That is what a PostgreSQL server gives each connection: its
 * statements are never mixed into another's transaction.
 *
 * (`@electric-sql/pglite-socket` queues single messages, so two connections' Parse/Bind/Execute
 * interleave and one overwrites the other's unnamed statement: not usable with a pool.)
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const PARSE = 0x50; // 'P'
const CLOSE = 0x43; // 'C'

/** A run of whole messages that ends where the session may pass to another connection (or not). */
type Batch = { bytes: Buffer; endsIdle: boolean };

class Connection {
  private pending: Buffer = Buffer.alloc(0);
  started = false;
  readonly batches: Batch[] = [];
  /** Named statements this connection prepared: a session's own, gone with it in PostgreSQL. */
  readonly statements = new Set<string>();
  closed = false;

  constructor(readonly socket: net.Socket) {}

  /** Takes newly arrived bytes; returns false when the client asked to terminate. */
  receive(data: Buffer): boolean {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    let offset = 0;
    let batchStart = 0;
    for (;;) {
      const available = this.pending.length - offset;
      if (!this.started) {
        // Start-up messages have no type byte: a length, then a code.
        if (available < 8) break;
        const length = this.pending.readInt32BE(offset);
        if (available < length) break;
        const code = this.pending.readInt32BE(offset + 4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          // No encryption on a local socket: the client goes on in plain text.
          this.socket.write("N");
        } else if (code === CANCEL_REQUEST) {
          // A cancel comes on a connection of its own; one statement at a time cannot be cut short.
          return false;
        } else {
          this.batches.push({ bytes: this.pending.subarray(offset, offset + length), endsIdle: true });
          this.started = true;
        }
        offset += length;
        batchStart = offset;
        continue;
      }
      if (available < 5) break;
      const type = this.pending[offset];
      const length = 1 + this.pending.readInt32BE(offset + 1);
      if (available < length) break;
      if (type === TERMINATE) return false;
      if (type === PARSE) {
        const name = this.pending.toString("utf8", offset + 5, this.pending.indexOf(0, offset + 5));
        if (name) this.statements.add(name);
      }
      offset += length;
      if (type === SYNC || type === QUERY || type === FLUSH) {
        this.batches.push({ bytes: this.pending.subarray(batchStart, offset), endsIdle: type !== FLUSH });
        batchStart = offset;
      }
    }
    // Batches keep views into this buffer; it is never written to, only replaced.
    this.pending = this.pending.subarray(batchStart);
    return true;
  }

  /** Every batch that has arrived, as one run (a pipelining client sends several at once). */
  takeBatches(): Batch {
    const batches = this.batches.splice(0);
    return {
      bytes: batches.length === 1 ? batches[0].bytes : Buffer.concat(batches.map((batch) => batch.bytes)),
      endsIdle: batches[batches.length - 1].endsIdle,
    };
  }
}

export type PgliteServerOptions = { db: PGlite; path: string };

/** Work run on the session by the host itself (upkeep), between connections' runs. */
type Task = { work: () => Promise<void> };

export class PgliteServer {
  private readonly db: PGlite;
  private readonly path: string;
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  /** Connections with batches to run and the host's own tasks, in arrival order. */
  private readonly ready: (Connection | Task)[] = [];
  /** The connection the session belongs to until it is idle again (a transaction is open). */
  private owner: Connection | null = null;
  /** The connection whose batches are running now. */
  private current: Connection | null = null;
  private running = false;
  private scheduled = false;

  constructor({ db, path }: PgliteServerOptions) {
    this.db = db;
    this.path = path;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(): Promise<void> {
    // A socket file left by a process that died: nobody listens on it any more (the folder lock says so).
    await unlink(this.path).catch(() => {});
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.path, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    // The database has no passwords: only this user may connect.
    await chmod(this.path, 0o600);
  }

  /** Stops listening and ends every connection; a transaction left open is rolled back. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.socket.destroy();
    await closed;
    // The last run finishes before the database may be closed.
    await this.exclusive(async () => {});
  }

  /**
   * Runs `work` on the session between connections' runs, with no transaction open
   * (upkeep: VACUUM cannot run inside a transaction block).
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.ready.push({ work: () => work().then(resolve, reject) });
      this.schedule();
    });
  }

  private accept(socket: net.Socket) {
    const connection = new Connection(socket);
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      if (connection.closed) return;
      let open: boolean;
      try {
        open = connection.receive(data);
      } catch {
        open = false;
      }
      if (!open) {
        socket.end();
        this.drop(connection);
        return;
      }
      if (connection.batches.length && this.owner !== connection && !this.ready.includes(connection)) {
        this.ready.push(connection);
      }
      this.schedule();
    });
    socket.on("error", () => this.drop(connection));
    socket.on("close", () => this.drop(connection));
  }

  private drop(connection: Connection) {
    if (connection.closed) return;
    connection.closed = true;
    this.connections.delete(connection);
    const index = this.ready.indexOf(connection);
    if (index >= 0) this.ready.splice(index, 1);
    // While its own run is under way, the run's end cleans up after it.
    if (this.current === connection) return;
    const owned = this.owner === connection;
    if (owned) this.owner = null;
    // First in line: a transaction it left open must end before anyone else's statements run.
    if (owned || connection.statements.size) this.ready.unshift({ work: async () => this.cleanUp(connection) });
    this.schedule();
  }

  /**
   * What a connection that is gone leaves behind goes with it, as with a PostgreSQL session: an open
   * transaction is rolled back and its prepared statements are closed.
   */
  private cleanUp(connection: Connection) {
    try {
      this.db.execProtocolRawSync(SYNC_MESSAGE);
      if (this.db.isInTransaction()) this.db.execProtocolRawSync(ROLLBACK_MESSAGE);
      if (connection.statements.size) this.db.execProtocolRawSync(closeStatements(connection.statements));
    } catch {
      // Nobody to tell: the next statement reports whatever state is left.
    }
  }

  private schedule() {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // One run per turn of this thread's loop: sockets are read in between, and a connection's
    // pipelined batches that arrived meanwhile go to Postgres as one run.
    setImmediate(() => {
      this.scheduled = false;
      void this.runNext();
    });
  }

  private async runNext() {
    if (this.running) return;
    let next: Connection | Task | undefined;
    if (this.owner) {
      if (this.owner.batches.length === 0) return;
      next = this.owner;
    } else {
      next = this.ready.shift();
    }
    if (!next) return;
    this.running = true;
    try {
      if (next instanceof Connection) await this.runBatches(next);
      else await next.work();
    } finally {
      this.running = false;
    }
    if (this.ready.length || this.owner?.batches.length) this.schedule();
  }

  private async runBatches(connection: Connection) {
    const run = connection.takeBatches();
    this.current = connection;
    try {
      await this.db.execProtocolRawStream(run.bytes, {
        onRawData: (data) => {
          if (!connection.closed) connection.socket.write(Buffer.from(data));
        },
      });
    } catch {
      // PGlite answers statement errors in the protocol; an exception here means the session broke.
      connection.socket.destroy();
    }
    this.current = null;
    const holds = !run.endsIdle || this.db.isInTransaction();
    this.owner = holds && !connection.closed ? connection : null;
    if (connection.closed) this.cleanUp(connection);
    if (connection.batches.length && this.owner !== connection && !connection.closed) this.ready.push(connection);
  }
}

const SYNC_MESSAGE = Uint8Array.of(SYNC, 0, 0, 0, 4);

/** Close ('S'tatement) for each name, then a Sync. */
function closeStatements(names: Iterable<string>): Uint8Array {
  const messages = [...names].map((name) => {
    const body = Buffer.from(`S${name}\0`);
    const message = Buffer.alloc(5 + body.length);
    message[0] = CLOSE;
    message.writeInt32BE(4 + body.length, 1);
    body.copy(message, 5);
    return message;
  });
  return new Uint8Array(Buffer.concat([...messages, SYNC_MESSAGE]));
}
const ROLLBACK_MESSAGE = (() => {
  const body = Buffer.from("rollback\0");
  const message = Buffer.alloc(5 + body.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
})();
