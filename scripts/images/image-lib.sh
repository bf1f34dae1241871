# Shell functions the database stand-ins share (sourced; installed as /usr/local/lib/cdc-image.sh):
# their entrypoints' logging and VAR/VAR_FILE reading, and their Dockerfiles' user renumbering.
# shellcheck shell=bash

log() { echo "docker-entrypoint: $*" >&2; }
die() { log "error: $*"; exit 1; }

# VAR, or the content of the file VAR_FILE names (read now, maybe as root: a secret may be root-only).
file_env() {
    local var=$1 file_var="${1}_FILE"
    if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then die "both $var and $file_var are set"; fi
    if [ -n "${!file_var:-}" ]; then
        export "$var"="$(<"${!file_var}")"
        unset "$file_var"
    fi
}

# renumber_user USER ID: USER and its group get uid/gid ID, as in the official image (it matters for
# fsGroup/runAsUser and for volumes shared with it); the files the packages gave the old ids follow.
renumber_user() {
    local user=$1 id=$2 old_uid old_gid
    old_uid=$(id -u "$user")
    old_gid=$(id -g "$user")
    groupmod -g "$id" "$user"
    usermod -u "$id" -g "$id" "$user"
    find / -xdev -uid "$old_uid" -exec chown -h "$id" {} +
    find / -xdev -gid "$old_gid" -exec chgrp -h "$id" {} +
}
