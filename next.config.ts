import type { NextConfig } from "next";
import { apiAliases } from "./lib/api-aliases";
// Validates every setting when the app starts or builds: a bad setting fails here, not mid-request.
import "./lib/config";

const nextConfig: NextConfig = {
  // Loaded from node_modules at run time: PGlite ships WebAssembly and data files beside its code.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "sharp"],
  async rewrites() {
    return apiAliases;
  },
};

export default nextConfig;
