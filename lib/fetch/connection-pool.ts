import http from "node:http";
import https from "node:https";
import { createGuardedLookup, type Resolver, systemResolver } from "./guarded-lookup";

/**
 * Keep-alive connections for outbound requests, one pool per set of guard rules.
 *
 * The guard judges an address while a connection is opened (in its name lookup). A pooled socket was
 * judged then, and node's agent hands a free socket only to a request for the same host and port (and,
 * on https, the same TLS options). So a socket is reused only where the same rules would let a new one
 * be opened, and still to the address that was judged: a name that changes where it points cannot steer
 * a connection that is already open.
 */

export type PoolRules = { allowHosts: readonly string[]; resolve?: Resolver };

// Below node's server default `keepAliveTimeout` (5 s), so the client gives up an idle socket before a
// typical server does, instead of writing a request into a socket the server is closing.
const IDLE_MS = 4_000;
// Enough for every download slot of a host (FETCH_HOST_CONCURRENCY) to keep its connection.
const FREE_SOCKETS_PER_HOST = 16;

type Agents = Map<string, http.Agent>;
const byResolver = new WeakMap<Resolver, Agents>();

export function agentFor(secure: boolean, { allowHosts, resolve = systemResolver }: PoolRules): http.Agent {
  let agents = byResolver.get(resolve);
  if (!agents) byResolver.set(resolve, (agents = new Map()));
  const key = `${secure ? "https" : "http"} ${[...allowHosts].sort().join(",")}`;
  let agent = agents.get(key);
  if (!agent) {
    const options: http.AgentOptions = {
      // Every new socket of this pool is opened through the guard of this pool's rules.
      lookup: createGuardedLookup({ allowHosts, resolve }),
      keepAlive: true,
      timeout: IDLE_MS,
      maxFreeSockets: FREE_SOCKETS_PER_HOST,
      // The most recently used socket first, so sockets a burst no longer needs go idle and close.
      scheduling: "lifo",
    };
    agent = secure ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}
