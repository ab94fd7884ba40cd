# Hookline: one image for the API, the workers and the one-shot setup (see docker-compose.yml).
# Node 20 on Debian bookworm: the Temporal SDK's native core ships prebuilt for glibc.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# the dashboard's static bundle, then drop the build-only packages (vite, preact, test tools)
RUN npm run build:dashboard && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# API, worker metrics (WORKER_METRICS_PORT), Temporal SDK metrics (TEMPORAL_METRICS_ADDRESS)
EXPOSE 3000 9464 9465
# node itself is PID 1 (no npm or tsx CLI in between), so SIGTERM from the orchestrator reaches
# Hookline's own shutdown: in-flight requests and attempts finish before it exits.
CMD ["node", "--import", "tsx", "src/api-main.ts"]
