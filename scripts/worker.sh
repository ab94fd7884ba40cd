#!/bin/sh
# Runs the compiled worker (dist/src/worker-main.js, made by `npm run build`) with its V8 heap cap.
# `npm run worker` (after an incremental build) and the worker service of docker-compose.yml both
# run this file, so the cap is set here and nowhere else.
#
# WORKER_MAX_OLD_SPACE_MB (default below; the environment may override it): V8's old-space limit
# for the worker. A worker keeps up to
# maxCachedWorkflows (src/worker.ts) workflows in memory, and V8 otherwise lets its heap grow far
# beyond what they need before it collects; capped, the worker holding 10,000 parked deliveries
# stays much smaller at the same CPU (figures: BENCHMARKS.md). Raise it if a worker logs
# "JavaScript heap out of memory".
WORKER_MAX_OLD_SPACE_MB="${WORKER_MAX_OLD_SPACE_MB:-192}"

# glibc gives each thread that allocates (the SDK core's Rust runtime, libuv's pool) its own malloc
# arena and keeps what was freed in it; two arenas keep the parked worker markedly smaller
# (BENCHMARKS.md, "Tuning": MALLOC_ARENA_MAX). The environment may set another value.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# exec: node replaces this shell, so a signal to this process (from npm, Docker, systemd) reaches
# the worker's own handler, which finishes the attempts in flight before it exits.
exec node --enable-source-maps --max-old-space-size="$WORKER_MAX_OLD_SPACE_MB" \
  "$(dirname "$0")/../dist/src/worker-main.js" "$@"
