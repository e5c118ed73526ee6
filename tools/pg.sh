#!/usr/bin/env bash
# A throw-away PostgreSQL server for tests, benchmarks and a local cluster: initdb in a fresh temporary directory,
# pg_ctl start on a free localhost port as an unprivileged user, one database, a connection string.
#
#   tools/pg.sh start [--owner-pid PID]   starts a server; prints its directory (the handle for the other verbs) on
#                                         stdout. With --owner-pid, a watcher stops and deletes the server when PID
#                                         exits (a test host killed before its cleanup leaves nothing behind).
#   tools/pg.sh env DIR                   prints `export LONGROPE_PG=...` (an Npgsql connection string) and PGDIR
#   tools/pg.sh restart DIR [SECONDS]     stops the server (fast mode: connections are cut) and starts it again on the
#                                         same port and data directory, after SECONDS down (default 0)
#   tools/pg.sh stop DIR                  stops the server and deletes DIR
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (created when missing),
# which owns DIR. Needs Debian's server binaries: apt-get update && apt-get install -y postgresql
set -euo pipefail

install_hint="PostgreSQL server binaries (initdb, pg_ctl) not found: install them with \`apt-get update && apt-get install -y postgresql\` (or set PG_BIN to their folder)"

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/pg_ctl" ]; then echo "$PG_BIN"; return; fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$newest" ] && [ -x "$newest/initdb" ] && [ -x "$newest/pg_ctl" ]; then echo "$newest"; return; fi
  if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then dirname "$(command -v pg_ctl)"; return; fi
  echo "$install_hint" >&2
  exit 3
}

# Runs a command as the server's user: as root that is `postgres`; otherwise the caller itself.
as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  # The kernel picks a free ephemeral port; the tiny window before postgres binds it is retried by `start`.
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
}

read_state() {
  local dir="$1"
  [ -f "$dir/pg.state" ] || { echo "pg.sh: $dir is not a server started by tools/pg.sh start (no pg.state)" >&2; exit 2; }
  # shellcheck disable=SC1091
  . "$dir/pg.state"
}

pg_start_server() {
  # -w waits until the server accepts connections; the log stays in DIR for a failed start.
  as_server_user "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}

cmd_start() {
  local owner=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --owner-pid) owner="$2"; shift 2 ;;
      *) echo "pg.sh start: unknown option $1" >&2; exit 2 ;;
    esac
  done
  BIN=$(find_bin)
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  fi
  DIR=$(mktemp -d /tmp/longrope-pg.XXXXXX)
  chmod 700 "$DIR"
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  printf '%s\n' "$password" > "$DIR/pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$DIR"; fi
  # Local socket: trust (only the server's user can reach DIR); TCP: a password, so a wrong one is a real error.
  as_server_user "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; rm -rf "$DIR"; exit 1; }
  local tries=0
  while :; do
    PORT=$(free_port)
    if pg_start_server; then break; fi
    tries=$((tries + 1))
    if [ $tries -ge 3 ]; then cat "$DIR/server.log" >&2; rm -rf "$DIR"; exit 1; fi
  done
  as_server_user "$BIN/createdb" -h "$DIR" -p "$PORT" -U postgres longrope
  cat > "$DIR/pg.state" <<EOF
BIN='$BIN'
DIR='$DIR'
PORT='$PORT'
PASSWORD='$password'
EOF
  if [ -n "$owner" ]; then
    # Detached from our stdout so the caller's read of DIR does not wait for the watcher.
    nohup bash "$(readlink -f "$0")" watch "$DIR" "$owner" >/dev/null 2>&1 &
  fi
  echo "$DIR"
}

cmd_env() {
  read_state "$1"
  echo "export LONGROPE_PG='Host=127.0.0.1;Port=$PORT;Username=postgres;Password=$PASSWORD;Database=longrope'"
  echo "export PGDIR='$DIR'"
}

cmd_restart() {
  read_state "$1"
  as_server_user "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
  sleep "${2:-0}"
  pg_start_server
}

cmd_stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  if [ -f "$dir/pg.state" ]; then
    read_state "$dir"
    if [ -f "$DIR/data/postmaster.pid" ]; then
      as_server_user "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  fi
  case "$dir" in /tmp/longrope-pg.*) rm -rf "$dir" ;; *) echo "pg.sh stop: refusing to delete $dir (not a /tmp/longrope-pg.* directory)" >&2; exit 2 ;; esac
}

cmd_watch() {
  local dir="$1" owner="$2"
  while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
  cmd_stop "$dir"
}

verb="${1:-}"
shift || true
case "$verb" in
  start) cmd_start "$@" ;;
  env) cmd_env "${1:?pg.sh env DIR}" ;;
  restart) cmd_restart "${1:?pg.sh restart DIR [SECONDS]}" "${2:-0}" ;;
  stop) cmd_stop "${1:?pg.sh stop DIR}" ;;
  watch) cmd_watch "$@" ;;
  *) echo "usage: tools/pg.sh start [--owner-pid PID] | env DIR | restart DIR [SECONDS] | stop DIR" >&2; exit 2 ;;
esac
