# Hookline: one image for the API, the workers and the one-shot setup (see docker-compose.yml).
# Node 20 on Debian bookworm: the Temporal SDK's native core ships prebuilt for glibc.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# npm run build: the server compiled to dist/ (JavaScript with source maps), the prebuilt workflow
# bundle dist/workflow-bundle.js and the dashboard's static bundle; then drop the build-only
# packages (typescript, vite, preact, test tools). Nothing at run time needs them: the processes
# run node on dist/ (tsx stays a dependency for the `hookline` command, bin/hookline.js).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# API, worker metrics (WORKER_METRICS_PORT), Temporal SDK metrics (TEMPORAL_METRICS_ADDRESS)
EXPOSE 3000 9464 9465
# node itself is PID 1 (no npm or tsx CLI in between), so SIGTERM from the orchestrator reaches
# Hookline's own shutdown: in-flight requests and attempts finish before it exits. The worker runs
# `sh scripts/worker.sh`, which execs node with the worker's heap cap (see docker-compose.yml).
CMD ["node", "--enable-source-maps", "dist/src/api-main.js"]
