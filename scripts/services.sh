#!/usr/bin/env bash
# Makes PostgreSQL and Redis available for Potluck, without ceremony:
#   1. uses them when they already answer (127.0.0.1:5432 and :6379 by default);
#   2. otherwise starts local ones when the binaries exist — the machine's own cluster
#      (pg_ctlcluster) or a project-local one under .data/ (initdb), and redis-server
#      with its data under .data/redis;
#   3. otherwise stops and prints the exact command that installs them.
# With --install (used by .ci/run) it installs missing Debian packages itself.
# Prints nothing but progress on stderr; exits non-zero when a service cannot be had.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
PGHOST_="${POTLUCK_PGHOST:-127.0.0.1}"
PGPORT_="${POTLUCK_PGPORT:-5432}"
REDIS_PORT="${POTLUCK_REDIS_PORT:-6379}"
INSTALL=false
[ "${1:-}" = "--install" ] && INSTALL=true

log() { printf 'services: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # host port name
  for _ in $(seq 1 100); do port_open "$1" "$2" && return 0; sleep 0.1; done
  log "$3 did not start listening on $1:$2"; return 1
}

apt_install() {
  if [ "$INSTALL" = true ] && command -v apt-get >/dev/null; then
    log "installing $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
  else
    log "missing: $*. Install with:  sudo apt-get install -y $*"; exit 1
  fi
}

ensure_postgres() {
  if port_open "$PGHOST_" "$PGPORT_"; then log "PostgreSQL answers on $PGHOST_:$PGPORT_"; return; fi
  if ! command -v pg_ctlcluster >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install postgresql; fi
  if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && [ "$(id -u)" = 0 ]; then
    local version; version="$(ls /etc/postgresql | sort -V | tail -n1)"
    log "starting the system PostgreSQL $version cluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    if wait_for "$PGHOST_" "$PGPORT_" PostgreSQL; then return; fi
  fi
  # A project-local cluster, owned by an unprivileged user when run as root.
  local bin; bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
  local dir="$DATA/postgres" owner; owner="$(id -un)"
  [ "$(id -u)" = 0 ] && owner=postgres
  if [ ! -s "$dir/PG_VERSION" ]; then
    log "creating a project-local PostgreSQL cluster in $dir"
    mkdir -p "$dir" && chown "$owner" "$dir"
    run_as "$owner" "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null
  fi
  log "starting the project-local PostgreSQL on port $PGPORT_"
  run_as "$owner" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "-p $PGPORT_ -k /tmp -c listen_addresses=$PGHOST_" start >/dev/null
  wait_for "$PGHOST_" "$PGPORT_" PostgreSQL
}

run_as() { local user="$1"; shift; if [ "$(id -un)" = "$user" ]; then "$@"; else su "$user" -s /bin/sh -c "$(printf '%q ' "$@")"; fi; }

ensure_redis() {
  if port_open 127.0.0.1 "$REDIS_PORT"; then log "Redis answers on 127.0.0.1:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p "$DATA/redis"
  log "starting redis-server on port $REDIS_PORT (data in $DATA/redis)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$DATA/redis" --logfile "$DATA/redis/redis.log" >/dev/null
  wait_for 127.0.0.1 "$REDIS_PORT" Redis
}

ensure_postgres
ensure_redis
