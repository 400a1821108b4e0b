import type { NextConfig } from "next";
// Validates every setting when the app starts or builds: a bad setting fails here, not mid-request.
import "./lib/config";

/** Paths that earlier clients call; each is served by the canonical route handler, not a copy. */
export const apiAliases = [
  { source: "/csv/upload", destination: "/api/csv/upload" },
  { source: "/upload", destination: "/api/csv/upload" },
  { source: "/csv/status/:requestId", destination: "/api/csv/status/:requestId" },
  { source: "/status/:requestId", destination: "/api/csv/status/:requestId" },
  { source: "/csv/download/:requestId", destination: "/api/csv/download/:requestId" },
  { source: "/download/:requestId", destination: "/api/csv/download/:requestId" },
];

const nextConfig: NextConfig = {
  // Loaded from node_modules at run time: PGlite ships WebAssembly and data files beside its code.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "sharp"],
  async rewrites() {
    return apiAliases;
  },
};

export default nextConfig;
