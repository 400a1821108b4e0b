/**
 * Paths that earlier clients call. Each is served by the canonical route handler through a rewrite
 * (`next.config.ts`), not by a copy, and documented beside it in the OpenAPI document.
 */
export const apiAliases = [
  { source: "/csv/upload", destination: "/api/csv/upload" },
  { source: "/upload", destination: "/api/csv/upload" },
  { source: "/csv/status/:requestId", destination: "/api/csv/status/:requestId" },
  { source: "/status/:requestId", destination: "/api/csv/status/:requestId" },
  { source: "/csv/download/:requestId", destination: "/api/csv/download/:requestId" },
  { source: "/download/:requestId", destination: "/api/csv/download/:requestId" },
];
