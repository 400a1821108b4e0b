import { endSession, findWorkspace, startSession } from "@/db/workspaces";
import { liveApiKey } from "@/lib/auth/identify-client";
import { requireKeysMode, workspaceClient } from "@/lib/auth/keys-mode";
import { cookieOf, newSession, readSession, SESSION_COOKIE, sessionCookie, signSession } from "@/lib/auth/session";
import { type Session, SignIn } from "@/lib/contract";
import { AppError } from "@/lib/errors";
import { handleErrors, methodsNotAllowed, parseJsonBody } from "@/lib/http";

/** Keys mode: who this call is signed in as. */
export const GET = handleErrors("session", async (request: Request) => {
  const { client, workspace, keyPrefix } = await workspaceClient(request);
  const session: Session = { workspace: workspace.name, keyPrefix, via: client.via as Session["via"] };
  return Response.json(session, { headers: { "Cache-Control": "no-store" } });
});

/** Keys mode: the dashboard signs in with an API key and gets an httpOnly session cookie. */
export const POST = handleErrors("session", async (request: Request) => {
  requireKeysMode();
  const { apiKey } = await parseJsonBody(request, SignIn);
  const key = await liveApiKey(apiKey);
  if (!key) throw new AppError("unauthorized", "That API key is not valid, or it was revoked.");
  const workspace = (await findWorkspace(key.workspaceId))!;
  const { sessionId, expiresAt } = newSession();
  await startSession({ id: sessionId, workspaceId: key.workspaceId, keyId: key.id, expiresAt: new Date(expiresAt) });
  const session: Session = { workspace: workspace.name, keyPrefix: key.prefix, via: "session" };
  return Response.json(session, {
    headers: {
      "Set-Cookie": sessionCookie(signSession({ sessionId, workspaceId: key.workspaceId, keyId: key.id, expiresAt })),
      "Cache-Control": "no-store",
    },
  });
});

/**
 * Signs out: the session ends on the server, so a copy of the cookie kept elsewhere opens nothing,
 * and the cookie is cleared. Answers 204 whether or not there was a session.
 */
export const DELETE = handleErrors("session", async (request: Request) => {
  requireKeysMode();
  const session = readSession(cookieOf(request, SESSION_COOKIE));
  if (session) await endSession(session.sessionId);
  return new Response(null, { status: 204, headers: { "Set-Cookie": sessionCookie(null) } });
});

export const { PUT, PATCH, OPTIONS } = methodsNotAllowed("GET", "POST", "DELETE");
