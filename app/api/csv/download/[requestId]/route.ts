import { attachment } from "@/lib/attachment";
import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { openOutputCsv } from "@/lib/requests/download";

/** The output CSV as an attachment; 409 with the status while the request is still processing. */
export const GET = handleErrors(
  "download",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const output = await openOutputCsv(await identifyClient(request), requestId);
    return new Response(output.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": attachment(output.fileName),
        "Cache-Control": "no-store",
      },
    });
  },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsNotAllowed("GET");
