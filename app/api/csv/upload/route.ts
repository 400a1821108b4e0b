import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { acceptUpload } from "@/lib/requests/accept-upload";
import { readUpload } from "@/lib/requests/read-upload";

/** POST a CSV as multipart/form-data: field `file`, optional `quality` and `webhookUrl`. Answers 202. */
export const POST = handleErrors("upload", async (request: Request) => {
  const accepted = await acceptUpload(await readUpload(request));
  return Response.json(accepted, { status: 202, headers: { Location: accepted.statusUrl } });
});

export const { GET, PUT, PATCH, DELETE } = methodsNotAllowed("POST");
