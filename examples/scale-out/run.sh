#!/usr/bin/env bash
# Runs N Gateway instances (helloworld) behind nginx on loopback, and restarts them
# one at a time without dropping a request.
#
#   ./run.sh start              # instances + nginx; returns once all answer
#   ./run.sh rolling-restart    # drain (SIGTERM) and restart each instance in turn
#   ./run.sh restart N          # the same for instance N only
#   ./run.sh stop               # stop nginx and every instance
#
# Settings (environment):
#   MODE=http|fastcgi           how nginx talks to the instances (default http)
#   PORT=8080                   nginx's port
#   APP_PORTS="8001 8002"       one port per instance
#   GATEWAY_BIN=...             the helloworld binary (default target/debug/helloworld;
#                               build it with `cargo build -p helloworld`)
#   RUN_DIR=/tmp/gateway-scale-out   configs, logs and pid files
#   NGINX=nginx                 the nginx binary
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MODE=${MODE:-http}
PORT=${PORT:-8080}
APP_PORTS=${APP_PORTS:-8001 8002}
GATEWAY_BIN=${GATEWAY_BIN:-$ROOT/target/debug/helloworld}
RUN_DIR=${RUN_DIR:-/tmp/gateway-scale-out}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
# How long nginx leaves a failed instance out (fail_timeout); a rolling restart
# waits longer than this before it drains the next instance, so that at least one
# instance is always in the rotation.
FAIL_TIMEOUT=2

case "$MODE" in
    http|fastcgi) ;;
    *) echo "MODE must be http or fastcgi, not $MODE" >&2; exit 2 ;;
esac

log() { echo "run.sh: $*" >&2; }

ports() { read -r -a P <<<"$APP_PORTS"; }

# True when something accepts on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Health check: HTTP instances answer GET /hello; FastCGI ones must accept.
healthy() {
    if [ "$MODE" = http ]; then
        curl -fsS --max-time 2 "http://127.0.0.1:$1/hello" >/dev/null 2>&1
    else
        listening "$1"
    fi
}

wait_until() { # SECONDS COMMAND...
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
        sleep 0.1
    done
}

instance_config() { # N PORT
    local kind="" trusted=""
    if [ "$MODE" = fastcgi ]; then
        kind='use = "fastcgi"'
    else
        # Believe X-Forwarded-For / -Proto from nginx only.
        trusted='trusted_proxies = "127.0.0.1"'
    fi
    cat >"$RUN_DIR/instance-$1.toml" <<TOML
[app.main]
use = "helloworld"
debug = false
public_dir = "$ROOT/examples/helloworld/public"

[server.main]
$kind
bind = "127.0.0.1:$2"
# SIGTERM: stop accepting, finish the requests in flight, exit.
drain_timeout = "10s"
$trusted
TOML
}

start_instance() { # N
    ports
    local n=$1 port=${P[$(($1 - 1))]}
    instance_config "$n" "$port"
    "$GATEWAY_BIN" serve "$RUN_DIR/instance-$n.toml" >>"$RUN_DIR/instance-$n.log" 2>&1 &
    echo $! >"$RUN_DIR/instance-$n.pid"
    if ! wait_until 30 healthy "$port"; then
        log "instance $n (port $port) did not become healthy; see $RUN_DIR/instance-$n.log"
        return 1
    fi
    log "instance $n up on 127.0.0.1:$port (pid $(cat "$RUN_DIR/instance-$n.pid"))"
}

stop_instance() { # N
    local pidfile="$RUN_DIR/instance-$1.pid" pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -TERM "$pid" 2>/dev/null; then
        # The instance drains: requests in flight finish, then it exits.
        if ! wait_until 15 bash -c "! kill -0 $pid 2>/dev/null"; then
            log "instance $1 (pid $pid) did not exit in 15 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

start_nginx() {
    ports
    local servers="" user=""
    for port in "${P[@]}"; do
        servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=${FAIL_TIMEOUT}s;"$'\n'
    done
    if [ "$(id -u)" = 0 ]; then user="user root;"; fi
    local template="$HERE/nginx-$MODE.conf"
    local conf="$RUN_DIR/nginx.conf"
    while IFS= read -r line; do
        case "$line" in
            *@SERVERS@*) printf '%s' "$servers" ;;
            *) line=${line//@USER@/$user}
               line=${line//@RUN_DIR@/$RUN_DIR}
               line=${line//@PORT@/$PORT}
               printf '%s\n' "$line" ;;
        esac
    done <"$template" >"$conf"
    "$NGINX" -p "$RUN_DIR" -c "$conf" -e "$RUN_DIR/nginx-error.log" >>"$RUN_DIR/nginx.out" 2>&1 &
    echo $! >"$RUN_DIR/nginx.master"
    if ! wait_until 15 curl -fsS --max-time 2 "http://127.0.0.1:$PORT/hello" -o /dev/null; then
        log "nginx on port $PORT does not answer; see $RUN_DIR/nginx-error.log"
        return 1
    fi
    log "nginx ($MODE) up on http://127.0.0.1:$PORT/"
}

stop_nginx() {
    local pidfile="$RUN_DIR/nginx.master" pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    # SIGTERM: the master stops its workers too (SIGKILL would orphan them).
    kill -TERM "$pid" 2>/dev/null || true
    wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

restart_instance() { # N
    log "draining instance $1"
    stop_instance "$1"
    start_instance "$1"
}

count() { ports; echo "${#P[@]}"; }

cmd=${1:-}
case "$cmd" in
    start)
        mkdir -p "$RUN_DIR"
        [ -x "$GATEWAY_BIN" ] || { log "$GATEWAY_BIN missing: cargo build -p helloworld"; exit 1; }
        for n in $(seq 1 "$(count)"); do start_instance "$n"; done
        start_nginx
        ;;
    restart)
        restart_instance "${2:?usage: run.sh restart N}"
        ;;
    rolling-restart)
        total=$(count)
        for n in $(seq 1 "$total"); do
            restart_instance "$n"
            # Let nginx take the instance back before the next one goes.
            if [ "$n" -lt "$total" ]; then sleep $((FAIL_TIMEOUT + 1)); fi
        done
        ;;
    stop)
        stop_nginx
        for n in $(seq 1 "$(count)"); do stop_instance "$n"; done
        ;;
    *)
        echo "usage: $0 start | rolling-restart | restart N | stop" >&2
        exit 2
        ;;
esac
