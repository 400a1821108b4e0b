import type { IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

vi.hoisted(() => {
  process.env.AUTH_MODE = "keys";
  process.env.AUTH_SECRET = "a-secret-of-at-least-32-characters-for-tests";
  // Deliveries of requests without a workspace would be signed with this one; none are here.
  process.env.WEBHOOK_SECRET = "whsec_c2hvcC1zZWNyZXQtZm9yLXRlc3RzLW9ubHktMzItYnl0ZXMhIQ==";
});

import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { DELETE as revokeKeyRoute } from "@/app/api/keys/[prefix]/route";
import { GET as listKeysRoute, POST as createKeyRoute } from "@/app/api/keys/route";
import { DELETE as signOutRoute, GET as sessionRoute, POST as signInRoute } from "@/app/api/session/route";
import { createApiKey, type CreatedKey } from "@/lib/auth/workspace-keys";
import type { ApiKeyList, CreatedApiKey, RequestList, RequestStatus, UploadAccepted } from "@/lib/contract";
import {
  type Caller,
  cancelRequest,
  deleteRequest,
  download,
  getFile,
  getRequest,
  getStatus,
  listRequests,
  retryRequest,
  settle,
  uploadCsv,
} from "@/test/api";
import { expectContract } from "@/test/contract";
import { requestsNamed, uniqueFileName } from "@/test/db";
import { type ImageServer, serveBytes, startImageServer } from "@/test/image-server";
import { photoJpeg } from "@/test/sample-images";
import { productCsv } from "@/test/product-csv";

/**
 * Keys mode: every API call carries a workspace's key (or the dashboard's session), and a workspace
 * sees only its own requests; another's answer 404 as if they did not exist.
 */

const ORIGIN = "http://127.0.0.1:3999";

let images: ImageServer;
let csv: string;
let teamA: CreatedKey;
let teamB: CreatedKey;
const deliveries: { headers: IncomingHttpHeaders; body: string }[] = [];

const bearer = (key: string): Caller => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  images = await startImageServer();
  images.route("/a.jpg", serveBytes(await photoJpeg(64, 48), "image/jpeg"));
  images.route("/hook", (request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      deliveries.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  csv = productCsv(["Shirt", images.url("/a.jpg")]);
  teamA = await createApiKey({ workspaceName: "team-a", name: "ci" });
  teamB = await createApiKey({ workspaceName: "team-b" });
});

afterAll(() => images.close());

async function upload(as: Caller, fields: Record<string, string> = {}) {
  const response = await uploadCsv(csv, { as, fields });
  expect(response.status, await response.clone().text()).toBe(202);
  return (await response.json()) as UploadAccepted;
}

function signIn(apiKey: string) {
  return signInRoute(
    new Request(`${ORIGIN}/api/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey }),
    }),
  );
}

const sessionOf = (response: Response): Caller => ({ cookie: response.headers.get("set-cookie")!.split(";")[0] });

describe("without a valid key", () => {
  it("every API call is a 401 with WWW-Authenticate, and nothing is stored", async () => {
    const fileName = uniqueFileName();
    const requestId = (await upload(bearer(teamA.key))).requestId;
    for (const caller of [{}, bearer("cic_notAKey"), bearer(`cic_${teamA.prefix}_${"x".repeat(27)}`)]) {
      const answers = [
        await uploadCsv(csv, { as: caller, fileName }),
        await getStatus(requestId, "", undefined, caller),
        await download(requestId, caller),
        await listRequests("", caller),
      ];
      await expectContract(answers[0], { method: "post", path: "/api/csv/upload" });
      await expectContract(answers[3], { method: "get", path: "/api/csv/requests" });
      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="api"');
        expect((await answer.json()).code).toBe("unauthorized");
      }
    }
    expect(await requestsNamed(fileName)).toBe(0);
  });

  it("a revoked key is refused at once", async () => {
    const key = await createApiKey({ workspaceName: "team-a", name: "to revoke" });
    expect((await listRequests("", bearer(key.key))).status).toBe(200);
    const revoked = await revokeKeyRoute(
      new Request(`${ORIGIN}/api/keys/${key.prefix}`, { method: "DELETE", headers: bearer(teamA.key) }),
      { params: Promise.resolve({ prefix: key.prefix }) },
    );
    expect(revoked.status).toBe(204);
    const refused = await listRequests("", bearer(key.key));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      error: "The API key is not valid.",
      code: "unauthorized",
      status: 401,
    });
  });
});

describe("a workspace sees only its own requests", () => {
  it("B cannot see, list, download or read the CSV of A's request", async () => {
    const accepted = await upload(bearer(teamA.key));
    const status = await settle(accepted.requestId, bearer(teamA.key));
    expect(status.status).toBe("completed");

    for (const query of ["", "?products=0"]) {
      const hidden = await getStatus(accepted.requestId, query, undefined, bearer(teamB.key));
      expect(hidden.status).toBe(404);
      expect(await hidden.json()).toMatchObject({
        error: `No request with id "${accepted.requestId}".`,
        code: "not_found:request",
      });
    }
    // The request as a resource keeps the same rule.
    const resource = await getRequest(accepted.requestId, bearer(teamB.key));
    expect(resource.status).toBe(404);
    expect(await resource.json()).toMatchObject({ code: "not_found:request", status: 404 });
    const mine = await getRequest(accepted.requestId, bearer(teamA.key));
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual(
      await (await getStatus(accepted.requestId, "", undefined, bearer(teamA.key))).json(),
    );
    expect((await download(accepted.requestId, bearer(teamB.key))).status).toBe(404);
    const listB = (await (await listRequests("?pageSize=100", bearer(teamB.key))).json()) as RequestList;
    expect(listB.requests.map((request) => request.requestId)).not.toContain(accepted.requestId);
    expect((await getFile(accepted.uploadedToS3.location, bearer(teamB.key))).status).toBe(404);
    expect((await getFile(accepted.uploadedToS3.location, {})).status).toBe(404);

    // A sees all of it.
    expect((await getStatus(accepted.requestId, "", undefined, bearer(teamA.key))).status).toBe(200);
    expect((await download(accepted.requestId, bearer(teamA.key))).status).toBe(200);
    const listA = (await (await listRequests("?pageSize=100", bearer(teamA.key))).json()) as RequestList;
    expect(listA.requests.map((request) => request.requestId)).toContain(accepted.requestId);
    expect(await (await getFile(accepted.uploadedToS3.location, bearer(teamA.key))).text()).toBe(csv);

    // Output images stay public at their unguessable URLs: shops fetch them without a key.
    const outputUrl = (status.products[0].images[0] as RequestStatus["products"][0]["images"][0]).outputUrl!;
    const image = await getFile(outputUrl, {});
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/jpeg");
  });

  it("B cannot retry, cancel or delete A's request; A can", async () => {
    const accepted = await upload(bearer(teamA.key));
    await settle(accepted.requestId, bearer(teamA.key));
    for (const action of [retryRequest, cancelRequest, deleteRequest]) {
      const refused = await action(accepted.requestId, bearer(teamB.key));
      expect(refused.status).toBe(404);
      expect(await refused.json()).toMatchObject({ code: "not_found:request" });
    }
    expect((await deleteRequest(accepted.requestId, {})).status).toBe(401);
    expect((await getStatus(accepted.requestId, "", undefined, bearer(teamA.key))).status).toBe(200);
    expect((await deleteRequest(accepted.requestId, bearer(teamA.key))).status).toBe(204);
    expect((await getStatus(accepted.requestId, "", undefined, bearer(teamA.key))).status).toBe(404);
  });

  it("each workspace's webhook deliveries are signed with its own secret", async () => {
    const accepted = await upload(bearer(teamA.key), { webhookUrl: images.url("/hook") });
    await settle(accepted.requestId, bearer(teamA.key));
    const delivery = deliveries.find((call) => call.body.includes(accepted.requestId))!;
    const headers = delivery.headers as Record<string, string>;
    expect(new Webhook(teamA.workspace.webhookSecret).verify(delivery.body, headers)).toMatchObject({
      requestId: accepted.requestId,
      status: "completed",
    });
    expect(() => new Webhook(teamB.workspace.webhookSecret).verify(delivery.body, headers)).toThrow(
      WebhookVerificationError,
    );
  });
});

describe("the dashboard's session", () => {
  it("signs in with a key, sees its workspace, and signs out", async () => {
    const wrong = await signIn("cic_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBB");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const signedIn = await signIn(teamA.key);
    expect(signedIn.status).toBe(200);
    await expectContract(signedIn, { method: "post", path: "/api/session" });
    expect(await signedIn.json()).toEqual({ workspace: "team-a", keyPrefix: teamA.prefix, via: "session" });
    const cookie = signedIn.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^cic_session=[\w-]+\.[\w-]+; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Lax$/);

    const session = sessionOf(signedIn);
    const mine = await upload(bearer(teamA.key));
    const list = (await (await listRequests("?pageSize=100", session)).json()) as RequestList;
    expect(list.requests.map((request) => request.requestId)).toContain(mine.requestId);
    const who = await sessionRoute(new Request(`${ORIGIN}/api/session`, { headers: session }));
    expect(await who.json()).toEqual({ workspace: "team-a", keyPrefix: teamA.prefix, via: "session" });

    const signedOut = await signOutRoute(new Request(`${ORIGIN}/api/session`, { method: "DELETE", headers: session }));
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.get("set-cookie")).toMatch(/^cic_session=; Path=\/; Max-Age=0; HttpOnly/);
    // Signing out ends the session on the server: a copy of the cookie kept elsewhere opens nothing.
    expect((await listRequests("", session)).status).toBe(401);
    expect((await sessionRoute(new Request(`${ORIGIN}/api/session`, { headers: session }))).status).toBe(401);
  });

  it("refuses a sign-in another site's page sends: cross-site, or not JSON", async () => {
    const attempt = (headers: Record<string, string>, body = JSON.stringify({ apiKey: teamA.key })) =>
      signInRoute(new Request(`${ORIGIN}/api/session`, { method: "POST", headers, body }));
    // A form or fetch from another site that needs no permission from the browser: text/plain.
    const plain = await attempt({ origin: "https://attacker.example", "content-type": "text/plain" });
    expect(plain.status).toBe(403);
    expect(plain.headers.get("set-cookie")).toBeNull();
    const crossSite = await attempt({ "sec-fetch-site": "cross-site", "content-type": "application/json" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    // Even from this site, a body must say it is JSON.
    const notJson = await attempt({ "sec-fetch-site": "same-origin", "content-type": "text/plain" });
    expect(notJson.status).toBe(415);
    expect(await notJson.json()).toMatchObject({ code: "unsupported_media_type:body" });
    expect(notJson.headers.get("set-cookie")).toBeNull();
  });

  it("a tampered session cookie is refused", async () => {
    const session = sessionOf(await signIn(teamA.key));
    const [payload, signature] = session.cookie.slice("cic_session=".length).split(".");
    const forged = JSON.parse(Buffer.from(payload, "base64url").toString());
    forged.workspaceId = teamB.workspace.id;
    const tampered = `cic_session=${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
    expect((await listRequests("", { cookie: tampered })).status).toBe(401);
  });

  it("revoking the key signed in with ends the session", async () => {
    const key = await createApiKey({ workspaceName: "team-a", name: "laptop" });
    const session = sessionOf(await signIn(key.key));
    expect((await listRequests("", session)).status).toBe(200);
    await revokeKeyRoute(new Request(`${ORIGIN}/api/keys/${key.prefix}`, { method: "DELETE", headers: session }), {
      params: Promise.resolve({ prefix: key.prefix }),
    });
    expect((await listRequests("", session)).status).toBe(401);
  });
});

describe("the workspace's keys", () => {
  it("are created, listed and revoked by the workspace, and by no other", async () => {
    const created = await createKeyRoute(
      new Request(`${ORIGIN}/api/keys`, {
        method: "POST",
        headers: { ...bearer(teamA.key), "content-type": "application/json" },
        body: JSON.stringify({ name: "Shop sync" }),
      }),
    );
    expect(created.status).toBe(201);
    await expectContract(created, { method: "post", path: "/api/keys" });
    const newKey = (await created.json()) as CreatedApiKey;
    expect(newKey.key).toMatch(new RegExp(`^cic_${newKey.prefix}_[A-Za-z0-9]{27}$`));
    expect((await listRequests("", bearer(newKey.key))).status).toBe(200);

    const list = await listKeysRoute(new Request(`${ORIGIN}/api/keys`, { headers: bearer(teamA.key) }));
    await expectContract(list, { method: "get", path: "/api/keys" });
    const keys = (await list.json()) as ApiKeyList;
    expect(keys.workspace).toBe("team-a");
    expect(keys.webhookSecret).toBe(teamA.workspace.webhookSecret);
    expect(keys.keys.find((key) => key.prefix === newKey.prefix)).toMatchObject({ name: "Shop sync", revokedAt: null });
    expect(JSON.stringify(keys)).not.toContain(newKey.key);

    // B can neither see nor revoke A's key.
    const listB = (await (
      await listKeysRoute(new Request(`${ORIGIN}/api/keys`, { headers: bearer(teamB.key) }))
    ).json()) as ApiKeyList;
    expect(listB.keys.map((key) => key.prefix)).not.toContain(newKey.prefix);
    const revokeByB = await revokeKeyRoute(
      new Request(`${ORIGIN}/api/keys/${newKey.prefix}`, { method: "DELETE", headers: bearer(teamB.key) }),
      { params: Promise.resolve({ prefix: newKey.prefix }) },
    );
    expect(revokeByB.status).toBe(404);
    await expectContract(revokeByB, { method: "delete", path: "/api/keys/{prefix}" });
    expect((await listRequests("", bearer(newKey.key))).status).toBe(200);
  });

  it("a name that is too long is refused, naming the field", async () => {
    const refused = await createKeyRoute(
      new Request(`${ORIGIN}/api/keys`, {
        method: "POST",
        headers: { ...bearer(teamA.key), "content-type": "application/json" },
        body: JSON.stringify({ name: "x".repeat(101) }),
      }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "bad_request:body", error: expect.stringMatching(/^name: /) });
  });
});
