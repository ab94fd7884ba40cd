#!/bin/sh
# One-shot (service temporal-schema in docker-compose.yml, image temporalio/admin-tools): Temporal's
# two Postgres databases brought to the schema version of this admin-tools image. Run on every
# `docker compose up`, before the server starts; idempotent:
#   - create: a database that exists already is left as it is;
#   - setup-schema -v 0.0: the version tables, only when missing;
#   - update-schema: applies the versioned migrations newer than the database's version, so after
#     moving temporalio/server and temporalio/admin-tools to a new release together this is the
#     schema upgrade (Temporal supports upgrading one minor version at a time).
set -eu

host="${POSTGRES_SEEDS:-postgres}"
port="${DB_PORT:-5432}"
user="${POSTGRES_USER:-temporal}"
# temporal-sql-tool reads its password from SQL_PASSWORD; it comes from the secret file here, so it
# is in no container's configuration (docker inspect)
password_file="${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres_password}"
[ -r "$password_file" ] || { echo "setup-schema: cannot read $password_file (the postgres_password secret)" >&2; exit 1; }
SQL_PASSWORD="$(cat "$password_file")"
export SQL_PASSWORD

schema=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin postgres12 --endpoint "$host" --port "$port" --user "$user" "$@"; }

for db in temporal temporal_visibility; do
  sql --database "$db" create
  sql --database "$db" setup-schema -v 0.0
done
sql --database temporal update-schema -d "$schema/temporal/versioned"
sql --database temporal_visibility update-schema -d "$schema/visibility/versioned"
echo "setup-schema: temporal and temporal_visibility are at the schema of $(temporal-sql-tool --version)"
