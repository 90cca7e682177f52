#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL cluster for the tests.
#   pg-cluster.sh start DIR   initdb (if needed) and start a cluster in DIR; prints the admin URL
#   pg-cluster.sh stop DIR    stop it and remove DIR
# The cluster listens only on a unix socket in DIR (no TCP), trusts every local connection and
# has the superuser role "vigil". PostgreSQL refuses to run as root, so as root the cluster is
# owned by and run as an unprivileged user (PG_CLUSTER_USER, default nobody). If that user
# cannot reach DIR (a checkout under /root), the cluster lives in a private directory under /tmp
# instead, DIR/home names it and DIR/.s.PGSQL.5432 links to its socket, so the URL is the same.
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

# Where the data directory and the server log are: DIR, or the directory DIR/home names.
home_of() {
    if [ -f "$dir/home" ]; then cat "$dir/home"; else echo "$dir"; fi
}

fail_with_log() {
    echo "pg-cluster: $1" >&2
    if [ -f "$home/server.log" ]; then
        echo "---- $home/server.log ----" >&2
        cat "$home/server.log" >&2
    fi
    exit 1
}

# DIR when the cluster's user can reach it, else a private directory under /tmp, linked.
choose_home() {
    home=$(home_of)
    if [ "$home" != "$dir" ] || [ "$(id -u)" -ne 0 ] ||
        as_owner test -w "$dir" -a -x "$dir" 2>/dev/null; then
        return
    fi
    home=$(mktemp -d /tmp/vigil-pg-XXXXXX)
    chown "${PG_CLUSTER_USER:-nobody}" "$home"
    echo "$home" >"$dir/home"
    ln -sf "$home/.s.PGSQL.5432" "$dir/.s.PGSQL.5432"
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
    chmod 755 "$dir" # the socket (or its link) must be reachable by the tests' user
    choose_home
    if [ ! -f "$home/data/PG_VERSION" ]; then
        rm -rf "$home/data"
        as_owner "$pgbin/initdb" -D "$home/data" -U vigil --auth=trust --encoding=UTF8 \
            --locale=C --no-instructions >"$home/initdb.log" 2>&1 ||
            { cat "$home/initdb.log" >&2; fail_with_log "initdb failed"; }
    fi
    if as_owner "$pgbin/pg_ctl" -D "$home/data" status >/dev/null 2>&1; then
        echo "postgresql://vigil@/postgres?host=$dir"
        return
    fi
    # listen_addresses='' : no TCP at all; fsync stays on so the tests see real durability costs.
    as_owner "$pgbin/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$home' -c shared_buffers=16MB -c fsync=on -c max_connections=200" \
        start >/dev/null 2>&1 || fail_with_log "server did not start"
    "$pgbin/pg_isready" -q -h "$dir" -d postgres -U vigil ||
        fail_with_log "server not ready"
    echo "postgresql://vigil@/postgres?host=$dir"
}

stop() {
    [ -d "$dir" ] || return 0
    home=$(home_of)
    if [ -f "$home/data/postmaster.pid" ]; then
        as_owner "$pgbin/pg_ctl" -D "$home/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            fail_with_log "server did not stop"
    fi
    [ "$home" = "$dir" ] || rm -rf "$home"
    rm -rf "$dir"
}

case $action in
start) start ;;
stop) stop ;;
*) usage ;;
esac
