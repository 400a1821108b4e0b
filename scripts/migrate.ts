import { closeDb, getDb } from "@/db/client";
import { config } from "@/lib/config";
import { provideConfiguredDatabase } from "@/lib/database/provide-database";

// `npm run db:migrate`: applies pending migrations to the configured database and exits.
provideConfiguredDatabase();
await getDb();
await closeDb();
console.log(
  `Migrations applied to ${config.database.kind === "postgres" ? "PostgreSQL" : `PGlite (${config.database.dir})`}.`,
);
