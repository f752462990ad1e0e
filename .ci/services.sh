#!/usr/bin/env bash
# Postgres and Redis from Debian packages on localhost, for the integration tests.
#   source .ci/services.sh && start_services   (exports MOTION_ASSETS_TEST_*_URL)
#   stop_services                              (stops both, removes their data)
# Ports are chosen free at start so a machine's own services are left alone.

install_services() {
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v redis-server >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql redis-server
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_services() {
  SERVICES_DIR=$(mktemp -d)
  chmod 755 "$SERVICES_DIR"
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PG_PORT=$(free_port)
  REDIS_PORT=$(free_port)
  mkdir "$SERVICES_DIR/pg"
  chown postgres "$SERVICES_DIR/pg"
  runuser -u postgres -- "$pgbin/initdb" -D "$SERVICES_DIR/pg" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg/server.log" -w \
    -o "-p $PG_PORT -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
    --dir "$SERVICES_DIR" --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
  PG_BIN=$pgbin
  export MOTION_ASSETS_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  export MOTION_ASSETS_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "postgres on $PG_PORT, redis on $REDIS_PORT ($SERVICES_DIR)"
}

stop_services() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$SERVICES_DIR/pg" -m fast -w stop >/dev/null || true
  [ -f "$SERVICES_DIR/redis.pid" ] && kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
  rm -rf "$SERVICES_DIR"
}
