#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for tests, built from Debian's binaries
# (/usr/lib/postgresql/<highest version>/bin). Never touches the system service.
#
#   pg-cluster.sh start DIR     initdb in DIR (absent or empty) unless it holds a cluster already,
#                               then start it unless it runs. Listens on 127.0.0.1 only (trust auth)
#                               at a free port (the same port again once DIR has one); unix socket
#                               in DIR. Role and database `hookd` (superuser). Prints one line,
#                               postgres://hookd@127.0.0.1:PORT/hookd?sslmode=disable, also in DIR/url.
#   pg-cluster.sh stop DIR      pg_ctl stop -m fast, then remove DIR. Fine if already stopped or gone.
#   pg-cluster.sh kill DIR      pg_ctl stop -m immediate (crash-like: no checkpoint), keep DIR.
#   pg-cluster.sh restart DIR   kill, then start on the same data and port.
#   pg-cluster.sh psql DIR ...  psql against the cluster's URL with the given arguments.
#
# As root, the server runs as the `postgres` user (created here if absent), which owns DIR; DIR's
# parents must be searchable by it (mktemp -d under /tmp is). Layout: DIR/data, DIR/server.log,
# DIR/port, DIR/url. Server output goes to DIR/server.log, shown on stderr when a start fails.
set -euo pipefail
unset "${!PG@}" # a caller's PGHOST, PGPORT, ... must not steer us

die() { echo "pg-cluster: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 start|stop|kill|restart|psql DIR [psql args...]"
cmd=$1 dir=$2
shift 2
[[ $dir == /* ]] || dir=$PWD/$dir

bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || die "no PostgreSQL server under /usr/lib/postgresql (run scripts/install-deps.sh)"

if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  as_pg() { runuser -u "$user" -- "$@"; }
else
  user=$(id -un)
  as_pg() { "$@"; }
fi

is_cluster() { [ -e "$dir/.pg-cluster" ]; }

pg_ctl() { (cd "$dir" && as_pg "$bin/pg_ctl" -D "$dir/data" "$@"); }

# pg_ctl stop with mode $1; quiet and successful when nothing runs (stale pid file included).
pg_stop() {
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_ctl -m "$1" -w -t 30 stop >/dev/null 2>&1 && return
  local rc=0
  pg_ctl status >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 3 ] || die "pg_ctl stop -m $1 failed in $dir"
}

start() {
  mkdir -p "$dir"
  if ! is_cluster; then
    [ -z "$(ls -A "$dir")" ] || die "$dir is neither empty nor a cluster made by this script"
    touch "$dir/.pg-cluster"
    chown -R "$user" "$dir"
    chmod 700 "$dir"
  fi
  as_pg test -w "$dir" || die "$user cannot write $dir (are its parent directories searchable?)"
  cd "$dir" # the server user need not be able to read the caller's working directory
  if [ ! -f data/PG_VERSION ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --locale=C -E UTF8 --no-instructions \
      >initdb.log 2>&1 || { cat initdb.log >&2; die "initdb failed"; }
    cat >>data/postgresql.conf <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 32MB
EOF
    echo "host all all 127.0.0.1/32 trust" >data/pg_hba.conf
  fi
  if [ -f url ] && pg_ctl status >/dev/null 2>&1; then
    cat url # already running
    return
  fi
  # A new cluster tries random ports below the kernel's ephemeral range until one binds.
  local tries=1 port
  if [ -f port ]; then port=$(<port); else port=$((10000 + RANDOM % 22000)) tries=20; fi
  while :; do
    local before
    before=$(stat -c %s server.log 2>/dev/null || echo 0)
    if pg_ctl -l "$dir/server.log" -o "-p $port" -w -t 30 start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries - 1))
    if [ "$tries" -gt 0 ] && tail -c +"$((before + 1))" server.log | grep -q "Address already in use"; then
      port=$((10000 + RANDOM % 22000))
      continue
    fi
    tail -n 40 server.log >&2
    die "server did not start in $dir (port $port); log: $dir/server.log"
  done
  echo "$port" >port
  if [ ! -f url ]; then # first start
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE hookd LOGIN SUPERUSER" -c "CREATE DATABASE hookd OWNER hookd" >/dev/null ||
      die "could not create role and database hookd"
  fi
  echo "postgres://hookd@127.0.0.1:$port/hookd?sslmode=disable" >url
  cat url
}

case $cmd in
  start) start ;;
  stop)
    [ -d "$dir" ] || exit 0
    is_cluster || die "$dir is not a cluster made by this script; not removing it"
    pg_stop fast
    rm -rf "$dir"
    ;;
  kill) if [ -d "$dir" ] && is_cluster; then pg_stop immediate; fi ;;
  restart)
    is_cluster || die "no cluster in $dir"
    pg_stop immediate
    start
    ;;
  psql)
    [ -f "$dir/url" ] || die "no cluster url in $dir"
    exec "$bin/psql" "$(<"$dir/url")" "$@"
    ;;
  *) die "unknown command $cmd (start|stop|kill|restart|psql)" ;;
esac
