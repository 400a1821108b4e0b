import { identifyClientOrNull } from "@/lib/auth/identify-client";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed } from "@/lib/http";
import { TRIAL_SIDES, type TrialSide, trialFile, trialFileKey } from "@/lib/trial/run-trial";

/** A tried image's before (the original at the output's size) or after (the output), from the trial cache. */
export const GET = handleErrors(
  "trial file",
  async (request: Request, { params }: { params: Promise<{ trialId: string; index: string; side: string }> }) => {
    const { trialId, index, side } = await params;
    if (!TRIAL_SIDES.includes(side as TrialSide) || !/^[1-9]\d{0,2}$/.test(index)) {
      throw new AppError("not_found:trial", "No such trial image.");
    }
    const file = trialFile(
      await identifyClientOrNull(request),
      trialFileKey(trialId, Number(index), side as TrialSide),
    );
    const seconds = Math.max(0, Math.floor((file.expiresAt - Date.now()) / 1000));
    return new Response(new Uint8Array(file.data), {
      headers: {
        "Content-Type": file.contentType,
        "Content-Length": String(file.data.byteLength),
        "Cache-Control": `private, max-age=${seconds}`,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
      },
    });
  },
);

export const { POST, PUT, PATCH, DELETE } = methodsNotAllowed("GET");
