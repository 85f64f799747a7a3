# Rateline's image: one image for every process (API, replicator, workers); the command picks one.
#   docker build -t rateline:local .      (docker compose up --build does this)
# Stages: `build` compiles TypeScript and bundles the web pages (needs devDependencies: tsc, esbuild);
# `dependencies` installs production dependencies only (better-sqlite3 is compiled here: it needs a C++
# toolchain and Python; chdb ships its native library as an npm package for linux-x64/arm64 glibc);
# the runtime stage has no toolchain, no devDependencies and runs as the unprivileged `node` user.

FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
RUN npm run build

FROM toolchain AS dependencies
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/var/lib/rateline
WORKDIR /app
# Owned by root and read-only to the process; only DATA_DIR is writable (embedded stores, if used).
COPY package.json ./
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY reference ./reference
RUN mkdir -p /var/lib/rateline && chown node:node /var/lib/rateline
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/scripts/healthcheck.js"]
# node as PID 1 receives SIGTERM directly (no npm in between): graceful shutdown on `docker stop`.
CMD ["node", "dist/src/main.js"]
