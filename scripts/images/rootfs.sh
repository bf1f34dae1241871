#!/usr/bin/env bash
# The root filesystem of cdc-test/base, made from the Debian mirror alone (no image registry):
#   bash scripts/images/rootfs.sh <new directory>      (as root: debootstrap, chroot, mount)
# build.sh runs it, tars the result and `docker import`s it. The base image's tag is a hash of
# this file's text (plus build.sh's import settings), so any change here makes a new base image.
set -euo pipefail

SUITE=bookworm
MIRROR="${CDC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Java and Python for Spark (bookworm's python3 is 3.11, the host .venv's minor: PySpark executors
# need the driver's); libnss-wrapper for the Spark entrypoint's driver/executor modes; procps (ps)
# for Spark's sbin scripts.
PACKAGES=(openjdk-17-jre-headless python3 libnss-wrapper procps ca-certificates bash)
# The database servers the container tests run (MariaDB 10.11, PostgreSQL 15), with their clients.
PACKAGES+=(mariadb-server mariadb-client postgresql)

root="${1:?usage: rootfs.sh <new directory>}"
[ "$(id -u)" -eq 0 ] || { echo "rootfs.sh: must run as root (debootstrap, chroot)" >&2; exit 1; }
[ ! -e "$root" ] || { echo "rootfs.sh: $root exists; give a new directory" >&2; exit 1; }

unmount_all() {
    local m
    for m in proc sys dev/pts; do
        if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m" || true; fi
    done
}
trap unmount_all EXIT

# 1. minbase: the Essential set plus apt, nothing else.
debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR"

# 2. The packages, with apt inside the new root. No service may start while it installs
#    (the server packages' maintainer scripts try to), and PostgreSQL creates no default cluster:
#    the tests initialise their own data directories.
cat >"$root/usr/sbin/policy-rc.d" <<'POLICY'
#!/bin/sh
# Image build: never start a service from a maintainer script.
exit 101
POLICY
chmod 0755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/etc/postgresql-common"
echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.conf"

mount -t proc proc "$root/proc"
# The chroot's apt: wait for locks like every apt-get in scripts/; keep our createcluster.conf.
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef)
chroot "$root" apt-get "${apt_opts[@]}" update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
umount "$root/proc"

# 3. The directories systemd-tmpfiles makes at boot, which a container never does: the servers' runtime
#    directories (/run/mysqld for MariaDB's socket, /run/postgresql, /var/log/postgresql).
cat "$root"/usr/lib/tmpfiles.d/*.conf | while read -r type path mode user group _; do
    [ "$type" = d ] || continue
    [ "$user" != - ] || user=root
    [ "$group" != - ] || group=root
    mkdir -p "$root$path"
    chroot "$root" chown "$user:$group" "$path"
    [ "$mode" = - ] || chmod "$mode" "$root$path"
done

# 4. Smaller: no apt caches or lists, no man pages, no logs of the build.
chroot "$root" apt-get "${apt_opts[@]}" clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
    "$root"/var/lib/dpkg/*-old "$root"/usr/share/man/* "$root"/usr/share/info/*
find "$root/var/log" -type f -exec truncate -s 0 {} +
# MariaDB's postinst initialised /var/lib/mysql (about 110 MB, mostly the InnoDB redo log): the
# directory stays (owned by mysql), empty, as in the mariadb image; containers initialise their own.
find "$root/var/lib/mysql" -mindepth 1 -delete
# The build host's resolver means nothing in a container (Docker mounts its own over it).
: >"$root/etc/resolv.conf"
echo "rootfs.sh: $root ready ($(du -sh --one-file-system "$root" | cut -f1))"
