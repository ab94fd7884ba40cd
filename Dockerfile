# Hookline: one image for the API, the workers and the migration job (see docker-compose.yml).
# Node 24, an LTS line supported until 2028-04-30 and one the Temporal TypeScript SDK supports, on
# Debian 13 (trixie): the SDK's native core ships prebuilt for linux-gnu (glibc) only, so no alpine.
# The major line is pinned; `docker compose build --pull` picks up its patch releases.

FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# npm run build: the server compiled to dist/ (JavaScript with source maps), the prebuilt workflow
# bundles dist/workflow-bundle.js and dist/workflow-bundle-traced.js (with the tracing interceptors,
# for workers with tracing on) and the dashboard's static bundle; then drop the build-only
# packages (typescript, vite, preact, test tools). Nothing at run time needs them: the processes
# run node on dist/ (tsx stays a dependency for the `hookline` command, bin/hookline.js).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24-trixie-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root (COPY without --chown), readable by all: the process, as the unprivileged user
# node (uid 1000), can run the code but not change it. Nothing at run time writes under /app.
COPY --from=build /app /app
USER node
# API, worker metrics (WORKER_METRICS_PORT), Temporal SDK metrics (TEMPORAL_METRICS_ADDRESS)
EXPOSE 3000 9464 9465
# node itself is PID 1 (no npm or tsx CLI in between), so SIGTERM from the orchestrator reaches
# Hookline's own shutdown: in-flight requests and attempts finish before it exits. The worker runs
# `sh scripts/worker.sh`, which execs node with the worker's heap cap (see docker-compose.yml).
CMD ["node", "--enable-source-maps", "dist/src/api-main.js"]
