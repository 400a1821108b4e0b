import { Inngest } from "inngest";
import { config } from "@/lib/config";

/** The Inngest client: the Dev Server when INNGEST_DEV is set, Inngest Cloud or a self-hosted server otherwise. */
export const inngest = new Inngest({
  id: "csv-image-compressor",
  isDev: config.inngest.dev,
  eventKey: config.inngest.eventKey,
  signingKey: config.inngest.signingKey,
  baseUrl: config.inngest.baseUrl,
});
