#!/bin/sh
# gosu USER COMMAND [ARG...]: runs COMMAND as USER (its uid, primary gid and supplementary groups) in
# place of this process, as the official images' gosu does: no su/sudo (no PAM, no tty, no extra
# parent process), so the command keeps the pid and gets the container's signals itself.
set -eu
if [ "$#" -lt 2 ]; then
    echo "usage: gosu USER COMMAND [ARG...]" >&2
    exit 2
fi
user=$1
shift
uid=$(id -u "$user")
gid=$(id -g "$user")
# gosu sets HOME to the user's; tools such as psql look there.
HOME=$(getent passwd "$uid" | cut -d: -f6)
export HOME
exec setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"
