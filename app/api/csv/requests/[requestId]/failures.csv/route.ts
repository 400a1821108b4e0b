import { attachment } from "@/lib/attachment";
import { identifyClient } from "@/lib/auth/identify-client";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { openFailuresReport } from "@/lib/requests/failures-report";

/** The failed images of a finished request as a CSV attachment; 409 with the status while it is processing. */
export const GET = handleErrors(
  "failures",
  async (request: Request, { params }: { params: Promise<{ requestId: string }> }) => {
    const { requestId } = await params;
    const report = await openFailuresReport(await identifyClient(request), requestId);
    return new Response(report.body, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": attachment(report.fileName),
        "Cache-Control": "no-store",
      },
    });
  },
);

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
