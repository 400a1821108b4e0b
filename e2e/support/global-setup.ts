import { startImageServer } from "./image-server";

/** Starts the local image server for the whole run; the returned function stops it afterwards. */
export default async function globalSetup() {
  const server = await startImageServer();
  return async () => {
    await server.close();
  };
}
