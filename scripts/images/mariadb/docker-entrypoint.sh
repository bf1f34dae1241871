#!/usr/bin/env bash
# Entrypoint of cdc-test/mariadb:local, a stand-in for the mariadb:11 image's: flags only => they are
# mariadbd's; as root: own the datadir, then run again as mysql; an uninitialised datadir (no
# <datadir>/mysql) is initialised first, by a server that listens on its socket only (nothing can
# connect over TCP before the root password and /docker-entrypoint-initdb.d are applied); then the
# server is exec'd with the given arguments.
set -Eeuo pipefail

# log, die, file_env (scripts/images/image-lib.sh).
# shellcheck source=SCRIPTDIR/../image-lib.sh
. /usr/local/lib/cdc-image.sh

if [ "${1:0:1}" = '-' ]; then
    set -- mariadbd "$@"
fi
# Anything but the server (a shell, a client), or the server asked for help/version: run as given.
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then
    exec "$@"
fi
for arg in "${@:2}"; do
    case "$arg" in -'?' | --help | -V | --version | --print-defaults) exec "$@" ;; esac
done

file_env MARIADB_ROOT_PASSWORD

# server_setting NAME SERVER ARGS...: NAME's value with the config files and the arguments applied.
server_setting() {
    local name=$1
    shift
    # awk reads to the end: an early exit would fail the pipeline (SIGPIPE, pipefail).
    "$@" --verbose --help 2>/dev/null | awk -v name="$name" '!found && /^[^ ]/ && $1 == name && NF == 2 { print $2; found = 1 }'
}
DATADIR=$(server_setting datadir "$@")
DATADIR=${DATADIR%/}
SOCKET=$(server_setting socket "$@")
if [ -z "$DATADIR" ] || [ -z "$SOCKET" ]; then die "cannot read datadir/socket from '$* --verbose --help'"; fi

if [ "$(id -u)" = 0 ]; then
    # A fresh volume is root's (and may hold lost+found): the server's user must own it.
    mkdir -p "$DATADIR" "$(dirname "$SOCKET")"
    find "$DATADIR" \! -user mysql -exec chown mysql:mysql {} +
    chown mysql:mysql "$(dirname "$SOCKET")"
    exec gosu mysql "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -d "$DATADIR/mysql" ]; then
    if [ -z "${MARIADB_ROOT_PASSWORD:-}" ] && [ -z "${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-}" ]; then
        die "uninitialised datadir and no root password: set MARIADB_ROOT_PASSWORD(_FILE) or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"
    fi
    log "initialising $DATADIR"
    # Root gets a password below (normal authentication, not unix_socket only); no test database.
    mariadb-install-db --datadir="$DATADIR" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve --skip-log-bin >/dev/null

    # Temporary server: the real flags (binlog, server id) but no TCP, so probes fail until done.
    "$@" --skip-networking --socket="$SOCKET" --skip-slave-start &
    pid=$!
    client() { mariadb --protocol=socket --socket="$SOCKET" --user=root "$@"; }
    for _ in $(seq 60); do
        client --execute='SELECT 1' >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || die "the temporary server exited"
        sleep 1
    done
    client --execute='SELECT 1' >/dev/null || die "the temporary server did not answer in 60 s"

    # Root: a password at localhost, and the same one from anywhere (MARIADB_ROOT_HOST, default %).
    # The password as an SQL string literal: backslashes escaped, quotes doubled.
    pw=${MARIADB_ROOT_PASSWORD:-}
    pw=${pw//\\/\\\\}
    pw=${pw//\'/\'\'}
    root_host=${MARIADB_ROOT_HOST:-%}
    remote_root=
    if [ "$root_host" != localhost ]; then
        remote_root="CREATE USER 'root'@'$root_host' IDENTIFIED BY '$pw';
GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
    fi
    # Account set-up stays out of the binlog (not replicated), as in the official image.
    client <<SQL
SET @@SESSION.SQL_LOG_BIN = 0;
DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';
EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@''', @@hostname, '''');
SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$pw');
$remote_root
SQL
    # The client reads root's password from here from now on (also in the operator's *.sh).
    export MYSQL_PWD="${MARIADB_ROOT_PASSWORD:-}"

    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) log "running $f"; client <"$f" ;;
            *.sh)
                log "running $f"
                # shellcheck disable=SC1090 # the operator's script: run, or sourced when not executable
                if [ -x "$f" ]; then "$f"; else . "$f"; fi
                ;;
            */\*) ;; # the directory is empty
            *) log "ignoring $f" ;;
        esac
    done
    unset MYSQL_PWD

    kill "$pid"
    wait "$pid" || die "the temporary server did not stop cleanly"
    log "initialised; starting the server"
fi

exec "$@"
