#!/usr/bin/env bash
# A small production-like cluster on this machine (docs/operations.md):
#   nginx on 127.0.0.1:$PROXY_PORT -> gunicorn app instances on $APP_PORTS,
#   one PostgreSQL ($DATABASE_URL), one Redis ($REDIS_URL), an RQ worker for exports and imports.
#
#   scripts/cluster.sh start | stop | status | kill-app PORT | start-app PORT
#                      | kill-worker | start-worker
#
# Configuration only by environment variables (defaults below). Logs, pid files, the
# nginx configuration and the metrics folders go under $CLUSTER_DIR (instance/cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/instance/cluster}
APP_PORTS=${APP_PORTS:-"8001 8002"}
PROXY_PORT=${PROXY_PORT:-8080}
BIN=${BIN:-$ROOT/.venv/bin}
NGINX=${NGINX:-/usr/sbin/nginx}
export DATABASE_URL=${DATABASE_URL:-postgresql://root@127.0.0.1:5432/cluster}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/1}
export CONSULT_ENV=${CONSULT_ENV:-production}
export PUBLIC_URL=${PUBLIC_URL:-http://127.0.0.1:$PROXY_PORT}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1}
export FILE_STORAGE=${FILE_STORAGE:-database}
export LOG_FORMAT=${LOG_FORMAT:-json}
export TRUSTED_PROXIES=${TRUSTED_PROXIES:-1}
# Plain HTTP on the loopback: cookies without the Secure flag (behind TLS, leave it on).
export SESSION_COOKIE_SECURE=${SESSION_COOKIE_SECURE:-false}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-1}
export GUNICORN_THREADS=${GUNICORN_THREADS:-4}
export INSTANCE_PATH=${INSTANCE_PATH:-$CLUSTER_DIR/instance}
mkdir -p "$CLUSTER_DIR" "$INSTANCE_PATH"
if [ -z "${SECRET_KEY:-}" ]; then
  # One key for every instance (sessions and CSRF tokens signed by one are read by the
  # others), made once and kept in the cluster folder.
  if [ ! -s "$CLUSTER_DIR/secret_key" ]; then
    (umask 077; "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))' \
      > "$CLUSTER_DIR/secret_key")
  fi
  SECRET_KEY=$(cat "$CLUSTER_DIR/secret_key")
fi
export SECRET_KEY

log() { echo "cluster: $*" >&2; }

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_http() {  # URL [seconds]
  local url=$1 tries=$(( ${2:-30} * 5 ))
  for _ in $(seq 1 "$tries"); do
    if "$BIN/python" - "$url" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
PY
    sleep 0.2
  done
  log "$url did not answer"
  return 1
}

start_app() {
  local port=$1
  local pidfile="$CLUSTER_DIR/app-$port.pid"
  if alive "$pidfile"; then log "app $port already runs"; return 0; fi
  local metrics="$CLUSTER_DIR/metrics/app-$port"
  rm -rf "$metrics" && mkdir -p "$metrics"
  PROMETHEUS_MULTIPROC_DIR=$metrics GUNICORN_CONTROL_SOCKET=$CLUSTER_DIR/app-$port.ctl \
    setsid "$BIN/gunicorn" -c gunicorn.conf.py \
    -b "127.0.0.1:$port" --pid "$pidfile" --timeout 60 --graceful-timeout 10 \
    'consult_app:create_app()' >>"$CLUSTER_DIR/app-$port.log" 2>&1 < /dev/null &
  wait_http "http://127.0.0.1:$port/readyz" 60
  log "app on 127.0.0.1:$port (pid $(cat "$pidfile"), log $CLUSTER_DIR/app-$port.log)"
}

start_worker() {
  local pidfile="$CLUSTER_DIR/worker.pid"
  if alive "$pidfile"; then log "worker already runs"; return 0; fi
  local metrics="$CLUSTER_DIR/metrics/worker"
  rm -rf "$metrics" && mkdir -p "$metrics"
  PROMETHEUS_MULTIPROC_DIR=$metrics setsid "$BIN/flask" --app consult_app exports worker \
    >>"$CLUSTER_DIR/worker.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  log "job worker: exports and imports (pid $(cat "$pidfile"), log $CLUSTER_DIR/worker.log)"
}

write_nginx_conf() {
  local servers="" user=""
  for port in $APP_PORTS; do
    servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  [ "$(id -u)" -eq 0 ] && user="user root;"
  mkdir -p "$CLUSTER_DIR/nginx"
  cat > "$CLUSTER_DIR/nginx.conf" <<CONF
# Written by scripts/cluster.sh; edit the script, not this file.
$user
worker_processes 1;
pid $CLUSTER_DIR/nginx.pid;
error_log $CLUSTER_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $CLUSTER_DIR/nginx/body;
    proxy_temp_path $CLUSTER_DIR/nginx/proxy;
    fastcgi_temp_path $CLUSTER_DIR/nginx/fastcgi;
    uwsgi_temp_path $CLUSTER_DIR/nginx/uwsgi;
    scgi_temp_path $CLUSTER_DIR/nginx/scgi;
    log_format json escape=json '{"time":"\$time_iso8601","request_id":"\$request_id",'
        '"remote_addr":"\$remote_addr","method":"\$request_method","uri":"\$request_uri",'
        '"status":\$status,"bytes":\$body_bytes_sent,"duration":\$request_time,'
        '"upstream":"\$upstream_addr","upstream_status":"\$upstream_status"}';
    access_log $CLUSTER_DIR/nginx-access.log json;
    client_max_body_size 41m;  # the largest body: a file of offline submissions (40 MB)
    upstream consult_app {
$servers        keepalive 16;
        # Idle connections to an instance are closed by nginx before gunicorn closes them
        # (its keepalive is 5 s, gunicorn.conf.py): a request sent on a connection the
        # instance is closing at that moment would otherwise come back as a 502, and a
        # POST is never resent.
        keepalive_timeout 4s;
    }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        # A request that never reached an instance (refused, reset before sending) goes to
        # the next one; nginx never resends a POST that an instance may have received.
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 2;
        proxy_connect_timeout 2s;
        proxy_read_timeout 120s;
        location = /metrics {
            # Prometheus scrapes each instance directly (docs/operations.md).
            return 404;
        }
        location / {
            proxy_pass http://consult_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Request-ID \$request_id;
        }
    }
}
CONF
}

start_proxy() {
  if alive "$CLUSTER_DIR/nginx.pid"; then log "nginx already runs"; return 0; fi
  [ -x "$NGINX" ] || { log "$NGINX is missing: apt-get install nginx (make cluster does)"; exit 1; }
  write_nginx_conf
  "$NGINX" -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf" -e "$CLUSTER_DIR/nginx-error.log"
  wait_http "http://127.0.0.1:$PROXY_PORT/readyz" 30
  log "nginx on 127.0.0.1:$PROXY_PORT -> $APP_PORTS"
}

stop_pidfile() {  # PIDFILE NAME
  local pidfile=$1
  if alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    log "stopped $2 (pid $pid)"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start)
    "$BIN/flask" --app consult_app db upgrade >>"$CLUSTER_DIR/migrate.log" 2>&1 \
      || { log "migration failed: see $CLUSTER_DIR/migrate.log"; exit 1; }
    for port in $APP_PORTS; do start_app "$port"; done
    start_worker
    start_proxy
    log "up: $PUBLIC_URL (logs in $CLUSTER_DIR)"
    ;;
  stop)
    if alive "$CLUSTER_DIR/nginx.pid"; then
      "$NGINX" -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf" -e "$CLUSTER_DIR/nginx-error.log" \
        -s quit || true
      for _ in $(seq 1 50); do alive "$CLUSTER_DIR/nginx.pid" || break; sleep 0.1; done
      log "stopped nginx"
    fi
    stop_pidfile "$CLUSTER_DIR/worker.pid" worker
    for port in $APP_PORTS; do stop_pidfile "$CLUSTER_DIR/app-$port.pid" "app $port"; done
    ;;
  status)
    for port in $APP_PORTS; do
      alive "$CLUSTER_DIR/app-$port.pid" && echo "app $port: up" || echo "app $port: down"
    done
    alive "$CLUSTER_DIR/worker.pid" && echo "worker: up" || echo "worker: down"
    alive "$CLUSTER_DIR/nginx.pid" && echo "nginx $PROXY_PORT: up" || echo "nginx: down"
    ;;
  kill-app)  # fault injection: kill -9 the gunicorn master and its workers
    pidfile="$CLUSTER_DIR/app-$2.pid"
    pid=$(cat "$pidfile")
    pkill -KILL -P "$pid" || true
    kill -KILL "$pid"
    rm -f "$pidfile"
    log "killed app $2 (pid $pid)"
    ;;
  start-app) start_app "$2" ;;
  kill-worker)
    pid=$(cat "$CLUSTER_DIR/worker.pid")
    pkill -KILL -P "$pid" || true
    kill -KILL "$pid"
    rm -f "$CLUSTER_DIR/worker.pid"
    log "killed worker (pid $pid)"
    ;;
  start-worker) start_worker ;;
  *)
    echo "usage: $0 start|stop|status|kill-app PORT|start-app PORT|kill-worker|start-worker" >&2
    exit 2
    ;;
esac
