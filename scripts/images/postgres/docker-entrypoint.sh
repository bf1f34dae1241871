#!/usr/bin/env bash
# Entrypoint of cdc-test/postgres:local, a stand-in for the postgres:17 image's: flags only => they are
# postgres's; as root: create PGDATA and the socket directory for postgres, then run again as postgres;
# an empty PGDATA is initialised first (initdb with the superuser's password, TCP clients need a
# password), by a server that listens on its socket only (nothing can connect over TCP before
# POSTGRES_DB and /docker-entrypoint-initdb.d are applied); then the command is exec'd.
set -Eeuo pipefail

# log, die, file_env (scripts/images/image-lib.sh).
# shellcheck source=SCRIPTDIR/../image-lib.sh
. /usr/local/lib/cdc-image.sh

if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi
# Anything but the server (a shell, psql), or the server asked for help/version: run as given.
if [ "$1" != postgres ]; then
    exec "$@"
fi
for arg in "${@:2}"; do
    case "$arg" in -'?' | --help | -V | --version | --describe-config | -C) exec "$@" ;; esac
done

file_env POSTGRES_PASSWORD
file_env POSTGRES_USER
file_env POSTGRES_DB
export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
SOCKET_DIR=/var/run/postgresql

if [ "$(id -u)" = 0 ]; then
    # A fresh volume is root's: postgres must own PGDATA, and initdb wants it 0700.
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres {} +
    chmod 0700 "$PGDATA"
    chown postgres:postgres "$SOCKET_DIR"
    chmod 3777 "$SOCKET_DIR"
    exec gosu postgres "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        die "empty PGDATA and no superuser password: set POSTGRES_PASSWORD(_FILE) (or POSTGRES_HOST_AUTH_METHOD=trust)"
    fi
    log "initialising $PGDATA"
    # The password through a pipe, never on a command line. POSTGRES_INITDB_ARGS: words, unquoted.
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
        ${POSTGRES_INITDB_ARGS:-} >/dev/null
    # Local (socket) connections stay trusted as initdb made them; over TCP a password is needed.
    printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # Temporary server: the real flags (wal_level...) but no TCP, so probes fail until done.
    pg_ctl -D "$PGDATA" -w start \
        -o "$(printf '%q ' "${@:2}" -c listen_addresses= -c unix_socket_directories="$SOCKET_DIR")"
    sql() { psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }
    if [ "$POSTGRES_DB" != postgres ]; then
        log "creating database $POSTGRES_DB"
        sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) log "running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
            *.sh)
                log "running $f"
                # shellcheck disable=SC1090 # the operator's script: run, or sourced when not executable
                if [ -x "$f" ]; then "$f"; else . "$f"; fi
                ;;
            */\*) ;; # the directory is empty
            *) log "ignoring $f" ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "initialised; starting the server"
fi

exec "$@"
