import { provideDatabase } from "@/db/client";

const POSTGRES_CONNECTIONS = 10;

/**
 * Gives this process the database its settings name: PostgreSQL when `DATABASE_URL` is set,
 * otherwise the embedded one. Called where a process or thread starts.
 */
export function provideConfiguredDatabase({
  embeddedSocket = null,
  joinRunningServer = false,
}: {
  /** In a worker thread: the socket at which the main thread serves the embedded database. */
  embeddedSocket?: string | null;
  /** For a command-line tool: use the database of a server that owns the embedded folder. */
  joinRunningServer?: boolean;
} = {}) {
  provideDatabase(async () => {
    // Read when the database is first used, not at start-up: a test sets its settings in between.
    const { config } = await import("@/lib/config");
    if (config.database.kind === "postgres") {
      const { connectDatabase } = await import("@/db/connect");
      return connectDatabase({
        url: config.database.url,
        max: POSTGRES_CONNECTIONS,
        migrate: true,
        name: "PostgreSQL (DATABASE_URL)",
      });
    }
    const embedded = await import("./embedded-database");
    return embeddedSocket
      ? embedded.connectToEmbeddedDatabase(embeddedSocket)
      : embedded.openEmbeddedDatabase(config.database.dir, { joinRunningServer });
  });
}
