// Creates a new PGlite folder and applies the migrations, then exits (see lib/database/embedded-database.ts: the server
// opens the folder afterwards, without the memory initdb leaves behind). Plain JavaScript, so it runs
// with node alone wherever the app runs. Usage: node db/init-pglite.mjs <folder> <migrations> <shared_buffers>
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";

const [folder, migrationsFolder, sharedBuffers] = process.argv.slice(2);
const client = await PGlite.create(folder, {
  startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
});
await migrate(drizzle({ client }), { migrationsFolder });
await client.close();
