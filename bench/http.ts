import http from "node:http";

/**
 * The bench's HTTP client: node:http with keep-alive agents, which costs the load generator less CPU
 * per call than fetch, so 50 client loops on a 2-core machine measure the server and not the client.
 */

export type Reply = { status: number; body: Buffer };

/** A keep-alive agent with a socket for every concurrent caller. */
export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

const defaultAgent = keepAliveAgent(16);

export function get(url: string, agent: http.Agent = defaultAgent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

export async function getJson<T>(url: string, agent?: http.Agent): Promise<T> {
  const reply = await get(url, agent);
  if (reply.status !== 200)
    throw new Error(`GET ${url} answered ${reply.status}: ${reply.body.toString().slice(0, 300)}`);
  return JSON.parse(reply.body.toString()) as T;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds since `start` (a performance.now() value). */
export const since = (start: number) => performance.now() - start;
