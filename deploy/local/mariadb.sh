#!/usr/bin/env bash
# A private MariaDB for one machine: data under a folder of the caller's, loopback only,
# no system service. Used by the local suite and by the tests.
#   mariadb.sh start DIR PORT   initialise DIR if new, start, create the flywheel user
#   mariadb.sh stop DIR         shut down (waits until it has)
#   mariadb.sh kill DIR         kill -9 (fault tests)
# DIR/port and DIR/socket name where it listens (TCP on loopback, and a Unix socket).
# The user is flywheel / $FLYWHEEL_DB_PASSWORD (default "flywheel") with rights on every database.
# Server settings come from deploy/k8s/base/mariadb.cnf (the same as in the cluster);
# FLYWHEEL_DB_BUFFER_POOL overrides the InnoDB buffer pool size set there.
set -euo pipefail
cmd=${1:?usage: mariadb.sh start|stop|kill DIR [PORT]}
dir=$(mkdir -p "${2:?DIR required}" && cd "$2" && pwd)
password=${FLYWHEEL_DB_PASSWORD:-flywheel}
socket="$dir/mysqld.sock"
# Unix socket paths are limited to 107 bytes.
[ ${#socket} -lt 100 ] || socket="/tmp/flywheel-$(printf '%s' "$dir" | md5sum | cut -c1-16).sock"
pidfile="$dir/mysqld.pid"
settings="$(cd "$(dirname "$0")/../k8s/base" && pwd)/mariadb.cnf"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "$cmd" in
  start)
    port=${3:?PORT required}
    echo "$socket" >"$dir/socket"
    if running; then echo "mariadb already running in $dir"; exit 0; fi
    user_opt=()
    [ "$(id -u)" -ne 0 ] || user_opt=(--user=root)
    # A private temporary directory: instances initialised side by side (parallel test runs)
    # must not share temporary table files.
    mkdir -p "$dir/tmp"
    if [ ! -d "$dir/data/mysql" ]; then
      if ! mariadb-install-db --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" \
          --auth-root-authentication-method=socket --skip-test-db "${user_opt[@]}" >"$dir/install.log" 2>&1; then
        cat "$dir/install.log"
        rm -rf "$dir/data"
        exit 1
      fi
    fi
    pool_opt=()
    [ -z "${FLYWHEEL_DB_BUFFER_POOL:-}" ] || pool_opt=(--innodb-buffer-pool-size="$FLYWHEEL_DB_BUFFER_POOL")
    setsid mariadbd --defaults-file="$settings" --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$socket" \
      --port="$port" --bind-address=127.0.0.1 --pid-file="$pidfile" --log-error="$dir/mysqld.err" \
      "${pool_opt[@]}" "${user_opt[@]}" </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
      if mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1; then break; fi
      sleep 0.1
    done
    mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 || { tail -20 "$dir/mysqld.err"; exit 1; }
    mariadb --no-defaults --socket="$socket" -uroot <<SQL
CREATE USER IF NOT EXISTS 'flywheel'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS 'flywheel'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'flywheel'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'flywheel'@'localhost';
SQL
    echo "$port" >"$dir/port"
    ;;
  stop)
    running || exit 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  kill)
    # kill -9, and return once the process is gone (so that a start right after it starts anew).
    if running; then
      pid=$(cat "$pidfile")
      kill -9 "$pid" || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
