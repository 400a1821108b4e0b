import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError, EXIT, ServiceClient } from "./api.mjs";

/**
 * The command line's HTTP client against a local server that answers as the service does: the
 * owner cookie an upload sets comes back on every later call (open mode), the key goes on every
 * call (keys mode), and error answers become messages with the right exit code.
 */

const seen: IncomingHttpHeaders[] = [];
let origin: URL;
const server = createServer((request, response) => {
  seen.push(request.headers);
  if (request.url === "/api/csv/upload") {
    response.setHeader("set-cookie", "cic_owner=abc123; Path=/; HttpOnly; SameSite=Lax");
    response.writeHead(202, { "content-type": "application/json" }).end("{}");
  } else if (request.url === "/refused") {
    response.writeHead(400, { "content-type": "application/json" }).end(
      JSON.stringify({
        error: "The CSV has 3 problems.",
        code: "bad_request:csv",
        isValid: false,
        errors: [
          { row: 2, column: "Input Image Urls", message: "not an http or https URL" },
          { row: null, column: "quality", message: "must be 1 to 100" },
        ],
        errorCount: 3,
      }),
    );
  } else if (request.url === "/option-refused") {
    const message = 'quality must be a whole number from 1 to 100 (got "0").';
    response.writeHead(400, { "content-type": "application/json" }).end(
      JSON.stringify({
        error: message,
        code: "bad_request:csv",
        isValid: false,
        errors: [{ row: null, column: "quality", message }],
        errorCount: 1,
      }),
    );
  } else if (request.url === "/limited") {
    response.writeHead(429, { "retry-after": "42", "content-type": "application/json" });
    response.end(JSON.stringify({ error: "Too many uploads.", code: "too_many_requests:rate_limit" }));
  } else {
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  }
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

/** The CliError a call ends in. */
async function failureOf(call: Promise<Response>): Promise<CliError> {
  const outcome = await call.catch((caught: unknown) => caught);
  expect(outcome).toBeInstanceOf(CliError);
  return outcome as CliError;
}

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the command line's client", () => {
  it("keeps the owner cookie an upload sets and sends it back, with the key on every call", async () => {
    const client = new ServiceClient(origin, "cic_key", "test");
    await client.call("/api/csv/upload", { method: "POST" });
    await client.call("/api/csv/status/1");
    expect(seen.at(-2)!.cookie).toBeUndefined();
    expect(seen.at(-1)!.cookie).toBe("cic_owner=abc123");
    expect(seen.at(-1)!.authorization).toBe("Bearer cic_key");
  });

  it("turns a refused file into its row errors and exit 2", async () => {
    const error = await failureOf(new ServiceClient(origin, null, "test").call("/refused"));
    expect(error.exitCode).toBe(EXIT.refused);
    expect(error.message).toBe("The file was refused: The CSV has 3 problems.");
    expect(error.details).toEqual([
      "  row 2, Input Image Urls: not an http or https URL",
      "  quality: must be 1 to 100",
      "  … and 1 more",
    ]);
  });

  it("turns a refused option into a usage error, exit 1, the file not blamed", async () => {
    const error = await failureOf(new ServiceClient(origin, null, "test").call("/option-refused"));
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toBe('An option was refused: quality must be a whole number from 1 to 100 (got "0").');
    expect(error.details ?? []).toEqual([]);
  });

  it("says when to try again after a limit, and that a closed port cannot be reached", async () => {
    const limited = await failureOf(new ServiceClient(origin, null, "test").call("/limited"));
    expect(limited.exitCode).toBe(EXIT.server);
    expect(limited.message).toBe("The server answered 429: Too many uploads. Try again in 42 s.");
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closed = new URL(`http://127.0.0.1:${(probe.address() as AddressInfo).port}`);
    await new Promise((resolve) => probe.close(resolve));
    const down = await failureOf(new ServiceClient(closed, null, "test").call("/api/health"));
    expect(down.exitCode).toBe(EXIT.server);
    expect(down.message).toMatch(/^Cannot reach the server at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
  });
});
