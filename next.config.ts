import type { NextConfig } from "next";
import { apiAliases } from "./lib/api-aliases";
// Validates every setting when the app starts or builds: a bad setting fails here, not mid-request.
import "./lib/config";

const nextConfig: NextConfig = {
  // `next build` also writes .next/standalone: server.js and only the node_modules it needs, which is
  // what the Docker image runs. The server applies migrations at start, from db/migrations beside it;
  // a new embedded database is made by db/init-pglite.mjs, a child process that loads drizzle-orm's
  // ES modules itself (the bundle's tracing cannot see them).
  output: "standalone",
  outputFileTracingIncludes: {
    "/**": ["./db/migrations/**/*", "./db/init-pglite.mjs", "./node_modules/drizzle-orm/**/*.js"],
  },
  // Loaded from node_modules at run time: PGlite ships WebAssembly and data files beside its code;
  // prom-client keeps one registry per process only if every bundle loads the same copy.
  // rate-limiter-flexible loads drizzle-orm at run time: both must be the one copy in node_modules.
  // libheif-js (HEIC decoding) reads its WebAssembly file from beside its code.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "postgres",
    "sharp",
    "prom-client",
    "rate-limiter-flexible",
    "drizzle-orm",
    "libheif-js",
  ],
  // `next dev` serves its scripts and hot reload to these hosts besides localhost: a developer who
  // opens http://127.0.0.1:3000 gets a working dashboard.
  allowedDevOrigins: ["127.0.0.1"],
  poweredByHeader: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          // Other sites learn this app's origin from links, never a request's id in a path.
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          // For browsers older than CSP's frame-ancestors.
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
  async rewrites() {
    return apiAliases;
  },
};

export default nextConfig;
