# syntax=docker/dockerfile:1
# The service as one image: `docker build -t csv-image-compressor .`, then see compose.yaml and
# docs/operations.md. Node 22 LTS on Debian (glibc): sharp's prebuilt libvips for linux-x64 and
# linux-arm64 comes from the lockfile, so nothing is compiled.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Browsers are for the test suite only.
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# next build (output: "standalone") and the command-line tools compiled to dist/cli/.
RUN npm run build

FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    NEXT_MANUAL_SIG_HANDLE=true \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    PGLITE_DIR=/data/pglite \
    STORAGE_DIR=/data/files
# The standalone server: server.js, the node_modules it uses, and db/migrations, which it applies
# at start-up (an upgrade is a new image and a restart).
COPY --from=build --chown=node:node /app/.next/standalone ./
COPY --from=build --chown=node:node /app/.next/static ./.next/static
COPY --from=build --chown=node:node /app/public ./public
# `npm run db:migrate` and `npm run api-keys` in the container, without tsx.
COPY --from=build --chown=node:node /app/dist/cli ./dist/cli
COPY --from=build --chown=node:node /app/scripts/cli.mjs ./scripts/cli.mjs
# The embedded database and local files live here: mount a volume (not needed with DATABASE_URL and S3).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# Liveness: the process answers. Readiness (database and storage) is /api/health.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "server.js"]
