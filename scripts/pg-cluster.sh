#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL cluster for the tests.
#   pg-cluster.sh start DIR   initdb (if needed) and start a cluster in DIR; prints the admin URL
#   pg-cluster.sh stop DIR    stop it and remove DIR
# The cluster listens only on a unix socket in DIR (no TCP), trusts every local connection and
# has the superuser role "vigil". PostgreSQL refuses to run as root, so as root the cluster is
# owned by and run as an unprivileged user (PG_CLUSTER_USER, default nobody).
set -eu

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
action=$1
dir=$2

# The newest installed Debian PostgreSQL.
pgbin=
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [ -x "$candidate/initdb" ] && pgbin=$candidate
done
if [ -z "$pgbin" ]; then
    echo "pg-cluster: no PostgreSQL found under /usr/lib/postgresql/*/bin (install postgresql)" >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "${PG_CLUSTER_USER:-nobody}" -- "$@"
    else
        "$@"
    fi
}

fail_with_log() {
    echo "pg-cluster: $1" >&2
    if [ -f "$dir/server.log" ]; then
        echo "---- $dir/server.log ----" >&2
        cat "$dir/server.log" >&2
    fi
    exit 1
}

start() {
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # The socket path must fit in sun_path (107 bytes) with "/.s.PGSQL.5432".
    if [ ${#dir} -gt 90 ]; then
        echo "pg-cluster: $dir is too long for a unix socket path" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown "${PG_CLUSTER_USER:-nobody}" "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        rm -rf "$dir/data"
        as_owner "$pgbin/initdb" -D "$dir/data" -U vigil --auth=trust --encoding=UTF8 \
            --locale=C --no-instructions >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; fail_with_log "initdb failed"; }
    fi
    if as_owner "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "postgresql://vigil@/postgres?host=$dir"
        return
    fi
    # listen_addresses='' : no TCP at all; fsync stays on so the tests see real durability costs.
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c shared_buffers=16MB -c fsync=on -c max_connections=200" \
        start >/dev/null 2>&1 || fail_with_log "server did not start"
    as_owner "$pgbin/pg_isready" -q -h "$dir" -d postgres -U vigil ||
        fail_with_log "server not ready"
    echo "postgresql://vigil@/postgres?host=$dir"
}

stop() {
    [ -d "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            fail_with_log "server did not stop"
    fi
    rm -rf "$dir"
}

case $action in
start) start ;;
stop) stop ;;
*) usage ;;
esac
