#!/usr/bin/env bash
# Start a local PostgreSQL server for the book tests and print its URL on stdout.
#
# Idempotent: installs Debian's postgresql when missing, starts the first cluster found (or
# creates one), creates the role and database "alvh" if they do not exist yet. Everything else it
# says goes to stderr, so `export ALVH_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"` works.
# Runs as root (CI and developer machines here are root); listens on localhost only.
set -euo pipefail
ROLE="${ALVH_PG_ROLE:-alvh}"
PASSWORD="${ALVH_PG_PASSWORD:-alvh}"
DB="${ALVH_PG_DB:-alvh}"

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "== apt-get install postgresql" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1 || true)
if [ -z "${VERSION:-}" ]; then
  VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  CLUSTER=main
  pg_createcluster "$VERSION" "$CLUSTER" >&2
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters --no-header | head -n 1)
fi
if [ "$STATUS" != "online" ]; then
  echo "== starting PostgreSQL $VERSION/$CLUSTER on port $PORT" >&2
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi
psql_su() { su postgres -c "psql -v ON_ERROR_STOP=1 -p $PORT -tAq $*"; }
for _ in $(seq 1 30); do  # the server may take a moment to accept connections
  psql_su "-c 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
if [ "$(psql_su "-c \"SELECT 1 FROM pg_roles WHERE rolname='$ROLE'\"")" != "1" ]; then
  psql_su "-c \"CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'\"" >&2
fi
if [ "$(psql_su "-c \"SELECT 1 FROM pg_database WHERE datname='$DB'\"")" != "1" ]; then
  psql_su "-c \"CREATE DATABASE $DB OWNER $ROLE\"" >&2
fi
echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
