import { config } from "@/lib/config";
import { rejectedUpload } from "@/lib/errors";
import { handleErrors, readBodyWithLimit } from "@/lib/http";
import { acceptUpload, fileTooLarge } from "@/lib/requests/accept-upload";

// Multipart framing around the file; a body larger than the limit plus this is refused unread.
const MULTIPART_OVERHEAD = 64 * 1024;

/** POST a CSV as multipart/form-data: field `file`, optional `webhookUrl` and `quality`. Answers 202. */
export const POST = handleErrors("upload", async (request: Request) => {
  const declared = Number(request.headers.get("content-length"));
  if (declared > config.csv.maxBytes + MULTIPART_OVERHEAD) throw fileTooLarge(declared);

  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw rejectedUpload(
      "bad_request:upload",
      'Send the CSV as multipart/form-data with the file in a field named "file" (curl -F file=@products.csv).',
    );
  }
  const body = await readBodyWithLimit(request, config.csv.maxBytes + MULTIPART_OVERHEAD);
  // Reading stopped at the limit, so the real size is not known.
  if (!body) throw fileTooLarge(null);
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData().catch(() => {
    throw rejectedUpload(
      "bad_request:upload",
      "The upload could not be read as multipart/form-data. Please try again.",
    );
  });
  const file = form.get("file");
  if (!(file instanceof File)) {
    throw rejectedUpload("bad_request:upload", 'No file received: put the CSV in a form field named "file".');
  }

  const accepted = await acceptUpload({
    fileName: file.name,
    bytes: new Uint8Array(await file.arrayBuffer()),
    quality: textField(form, "quality"),
    webhookUrl: textField(form, "webhookUrl"),
  });
  return Response.json(accepted, { status: 202, headers: { Location: accepted.statusUrl } });
});

function textField(form: FormData, name: string): string | null {
  const value = form.get(name);
  return typeof value === "string" ? value : null;
}
