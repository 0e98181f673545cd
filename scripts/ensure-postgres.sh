#!/usr/bin/env bash
# Make sure PostgreSQL answers on $PGHOST:$PGPORT (default 127.0.0.1:5432); start the local
# cluster(s) when it does not, then create the `patron` database if it is missing.
set -euo pipefail

host=${PGHOST:-127.0.0.1}
port=${PGPORT:-5432}
user=${PGUSER:-postgres}
database=${PATRON_PG_DATABASE:-patron}

if ! command -v pg_isready >/dev/null; then
  "$(dirname "$0")/apt-ensure.sh" /usr/bin/pg_ctlcluster=postgresql
fi

if ! pg_isready -q -h "$host" -p "$port"; then
  echo "ensure-postgres: PostgreSQL is down on $host:$port, starting it"
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start \
      || pg_ctlcluster "$version" main start \
      || true
  done
  for _ in $(seq 1 30); do
    pg_isready -q -h "$host" -p "$port" && break
    sleep 1
  done
  if ! pg_isready -h "$host" -p "$port"; then
    echo "ensure-postgres: PostgreSQL did not come up on $host:$port" >&2
    exit 1
  fi
fi

exists=$(psql -h "$host" -p "$port" -U "$user" -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$database'")
if [[ $exists != 1 ]]; then
  createdb -h "$host" -p "$port" -U "$user" "$database"
  echo "ensure-postgres: created database $database"
fi
echo "ensure-postgres: PostgreSQL is up on $host:$port"
