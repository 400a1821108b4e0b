import { config } from "@/lib/config";
import { closeDb, getDb } from "./client";

// `npm run db:migrate`: applies pending migrations to the configured database and exits.
await getDb();
await closeDb();
console.log(
  `Migrations applied to ${config.database.kind === "postgres" ? "PostgreSQL" : `PGlite (${config.database.dir})`}.`,
);
