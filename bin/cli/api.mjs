// @ts-check

/**
 * The service's HTTP API as the command line calls it: every call carries the API key (keys mode)
 * and the cookies the server set (open mode: the owner cookie an upload is answered with, which
 * makes the request this client's, as a browser's). Failures become `CliError`s with an exit code.
 */

export const EXIT = { ok: 0, usage: 1, refused: 2, unauthorized: 3, server: 4, nothingDone: 5 };

export class CliError extends Error {
  /**
   * @param {string} message what went wrong, in a seller's words
   * @param {number} exitCode one of EXIT
   * @param {string[]} [details] lines printed under the message (a refused file's problems)
   */
  constructor(message, exitCode, details = []) {
    super(message);
    this.exitCode = exitCode;
    this.details = details;
  }
}

/**
 * @typedef {{ error?: string, code?: string, errors?: { row: number | null, column: string | null, message: string }[], errorCount?: number }} ErrorBody
 */

export class ServiceClient {
  /** @type {Map<string, string>} */
  #cookies = new Map();

  /**
   * @param {URL} server
   * @param {string | null} apiKey
   * @param {string} userAgent
   */
  constructor(server, apiKey, userAgent) {
    this.server = server;
    this.apiKey = apiKey;
    this.userAgent = userAgent;
  }

  /**
   * A call to the service; network failures and error answers throw a CliError.
   * @param {string} path an absolute path (`/api/…`)
   * @param {RequestInit & { accept?: number[] }} [init] `accept`: answers besides 2xx that are not errors (304)
   * @returns {Promise<Response>}
   */
  async call(path, init = {}) {
    const { accept = [], ...request } = init;
    const headers = new Headers(request.headers);
    headers.set("user-agent", this.userAgent);
    if (this.apiKey) headers.set("authorization", `Bearer ${this.apiKey}`);
    if (this.#cookies.size > 0) {
      headers.set("cookie", [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const url = new URL(path, this.server);
    /** @type {Response} */
    let response;
    try {
      response = await fetch(url, { ...request, headers, redirect: "follow" });
    } catch (error) {
      throw new CliError(
        `Cannot reach the server at ${this.server.origin} (${networkReason(error)}). Is it running? Name it with --server or CIC_SERVER_URL.`,
        EXIT.server,
      );
    }
    this.#keepCookies(response);
    if (response.ok || accept.includes(response.status)) return response;
    throw await this.#failure(response);
  }

  /** @param {Response} response */
  #keepCookies(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      // An expired or emptied cookie is the server taking it back.
      if (value === "" || /;\s*max-age=0/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /**
   * @param {Response} response
   * @returns {Promise<CliError>}
   */
  async #failure(response) {
    /** @type {ErrorBody} */
    let body = {};
    const text = await response.text().catch(() => "");
    try {
      body = JSON.parse(text);
    } catch {
      // Not the service's JSON: a proxy's page, say. Its status is all there is to go on.
    }
    const said = body.error ?? (text.trim().slice(0, 200) || response.statusText);
    if (response.status === 401) {
      return new CliError(
        this.apiKey
          ? `The server refused the API key: ${said} Check --api-key or CIC_API_KEY (keys are made with \`npm run api-keys -- create\` or on the dashboard's API keys page).`
          : `This server needs an API key (it runs with AUTH_MODE=keys): pass --api-key or set CIC_API_KEY.`,
        EXIT.unauthorized,
      );
    }
    const errors = body.errors ?? [];
    if (response.status === 400 && errors.length > 0 && errors.every(isOptionProblem)) {
      // Nothing wrong with the file: one of the options the command was given.
      return new CliError(`An option was refused: ${errors.map((problem) => problem.message).join(" ")}`, EXIT.usage);
    }
    if ([400, 408, 413, 415, 422].includes(response.status) && body.errors) {
      const problems = body.errors
        // A problem of the whole file is the message itself.
        .filter((problem) => problem.row !== null || problem.column !== null || problem.message !== said)
        .map(
          (problem) =>
            `  ${[problem.row === null ? null : `row ${problem.row}`, problem.column].filter(Boolean).join(", ") || "file"}: ${problem.message}`,
        );
      const more = (body.errorCount ?? body.errors.length) - body.errors.length;
      if (more > 0) problems.push(`  … and ${more} more`);
      return new CliError(`The file was refused: ${said}`, EXIT.refused, problems);
    }
    const retry = response.headers.get("retry-after");
    return new CliError(
      `The server answered ${response.status}: ${said}${retry && !said.includes("Try again") ? ` Try again in ${retry} s.` : ""}`,
      EXIT.server,
    );
  }
}

/**
 * Why fetch could not reach the server, from the error Node gives (a `cause` with a code).
 * @param {unknown} error
 */
function networkReason(error) {
  const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause;
  const reasons = /** @type {Record<string, string>} */ ({
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "the host name could not be looked up",
    ECONNRESET: "the connection was reset",
    ETIMEDOUT: "the connection timed out",
    UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  });
  if (cause?.code) return reasons[cause.code] ?? cause.code;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** The upload's form fields the command's options fill. */
const OPTION_FIELDS = new Set([
  "quality",
  "format",
  "maxWidth",
  "maxHeight",
  "maxBytes",
  "webhookUrl",
  "nameColumn",
  "imageColumns",
  "idColumn",
]);

/** @param {{ row: number | null, column: string | null }} problem */
function isOptionProblem(problem) {
  return problem.row === null && problem.column !== null && OPTION_FIELDS.has(problem.column);
}
