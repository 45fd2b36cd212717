#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: a fresh cluster in a
# temp folder on its own port (trust auth, no fsync at initdb), stopped and
# removed when the command ends. The command sees its URL in
# ENGRAM_TEST_POSTGRES_URL. Uses Debian's PostgreSQL (apt install postgresql);
# as root it runs the server as the `postgres` user.
#   scripts/with-postgres.sh pnpm test
# Sourced (`. scripts/with-postgres.sh`), it starts the server for the rest
# of the calling script, which then sees the URL; the server stops when it exits.
set -euo pipefail
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: no PostgreSQL found (looked in /usr/lib/postgresql/*/bin; set PG_BINDIR)" >&2
  exit 1
fi
dir=$(mktemp -d)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
stop() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U engram --auth=trust --locale=C.UTF-8 --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
export ENGRAM_TEST_POSTGRES_URL="postgres://engram@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $ENGRAM_TEST_POSTGRES_URL"
if [ "$#" -gt 0 ]; then "$@"; fi
