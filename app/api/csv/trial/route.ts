import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { runTrial } from "@/lib/trial/run-trial";

/**
 * POST JSON `{ urls, quality?, format?, maxWidth?, maxHeight?, maxBytes? }`: at most 5 images compressed as an
 * upload would, answered with their sizes and links to each before and after. Nothing is stored.
 */
export const POST = handleErrors("trial", async (request: Request) => {
  const { result, headers } = await runTrial(request);
  return Response.json(result, { headers: { ...headers, "Cache-Control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed("POST");
