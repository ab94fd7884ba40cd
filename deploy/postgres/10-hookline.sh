#!/bin/sh
# Hookline's own Postgres role and database, and nothing more for it.
#
# docker-compose.yml mounts this file into the postgres container's /docker-entrypoint-initdb.d/,
# so the image's entrypoint runs it once, on the first start with an empty data volume, as the
# superuser (POSTGRES_USER, which is Temporal's role) over the local socket. It is idempotent, so it
# can also be run again on a running database, e.g. after changing the password file:
#
#   docker compose exec -u postgres postgres /docker-entrypoint-initdb.d/10-hookline.sh
#
# It makes:
#   - role hookline: LOGIN, no superuser, cannot create databases or roles, password from the
#     hookline_db_password secret (set again on every run);
#   - database hookline, owned by that role (so its public schema is too: Postgres 15+), which is
#     where Hookline's migrations create their tables; other roles may not connect to it;
#   - Temporal's two databases, owned by the superuser, closed to every other role, so the hookline
#     role cannot even connect to them (Temporal's schema job then finds them and only adds tables).
set -eu

: "${POSTGRES_USER:?POSTGRES_USER must be set (the postgres image sets it)}"
role="${HOOKLINE_DB_USER:-hookline}"
database="${HOOKLINE_DB_NAME:-hookline}"
password_file="${HOOKLINE_DB_PASSWORD_FILE:-/run/secrets/hookline_db_password}"
temporal_databases="${TEMPORAL_DB_NAMES:-temporal temporal_visibility}"

[ -r "$password_file" ] || { echo "10-hookline.sh: cannot read $password_file (the hookline_db_password secret)" >&2; exit 1; }
password="$(cat "$password_file")"
[ -n "$password" ] || { echo "10-hookline.sh: $password_file is empty" >&2; exit 1; }

sql() {
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname postgres "$@"
}

# psql variables (:'name' quotes a literal, format() quotes identifiers and literals): any password
# or name goes through as data, never as SQL. The password reaches psql in its environment
# (\getenv, psql 15+), not on its command line, where ps would show it. CREATE DATABASE cannot run
# in a DO block, hence \gexec.
export HOOKLINE_DB_PASSWORD="$password"
sql --set role="$role" --set database="$database" <<'SQL'
\getenv password HOOKLINE_DB_PASSWORD
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'database', :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
SQL
unset HOOKLINE_DB_PASSWORD

for temporal_database in $temporal_databases; do
  sql --set database="$temporal_database" <<'SQL'
SELECT format('CREATE DATABASE %I', :'database')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
SQL
done

echo "10-hookline.sh: role $role owns database $database; $temporal_databases closed to other roles"
