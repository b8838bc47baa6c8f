#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster, then remove the cluster.
#
#   tests/with-postgres.sh <command...>
#
# The command sees HAVEN_TEST_DATABASE_URL. initdb refuses to run as root, so as root the
# cluster belongs to `nobody`. Without PostgreSQL the run fails under CI=true and is
# reported as NOT RUN otherwise (never as passed). As root on Debian, a missing server is
# installed with apt-get.
set -euo pipefail

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

if ! find_bin initdb >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL server not found: installing Debian's postgresql package" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
  fi
fi
INITDB=$(find_bin initdb || true)
PG_CTL=$(find_bin pg_ctl || true)
if [ -z "$INITDB" ] || [ -z "$PG_CTL" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: PostgreSQL (initdb, pg_ctl) is required under CI=true and was not found" >&2
    exit 1
  fi
  echo "NOT RUN: PostgreSQL (initdb, pg_ctl) not found; the PostgreSQL suite did not run" >&2
  exit 0
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
dir=$(mktemp -d "${TMPDIR:-/tmp}/haven-pg.XXXXXX")
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown nobody "$dir"
  as_owner=(runuser -u nobody --)
fi

cleanup() {
  "${as_owner[@]}" "$PG_CTL" -D "$dir/data" -w -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_owner[@]}" "$INITDB" -D "$dir/data" -U haven --auth=trust -E UTF8 --no-instructions --no-sync >/dev/null
"${as_owner[@]}" "$PG_CTL" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null

export HAVEN_TEST_DATABASE_URL="postgresql+psycopg://haven@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$INITDB" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
