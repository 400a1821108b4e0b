import { attachment } from "@/lib/attachment";
import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { openImagesZip } from "@/lib/requests/images-zip";

/** A finished request's compressed images as one ZIP, streamed; 409 with the status while it is processing. */
export const GET = handleErrors(
  "images-zip",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const archive = await openImagesZip(await identifyClient(request), requestId);
    return new Response(archive.body, {
      headers: {
        "Content-Type": "application/zip",
        "Content-Disposition": attachment(archive.fileName),
        "Cache-Control": "no-store",
      },
    });
  },
);

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
