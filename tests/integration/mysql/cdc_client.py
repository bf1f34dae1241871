"""The CDC pipeline's own MySQL client (mysql-connector-python), as the pipeline uses it:
log in as the CDC user over TCP, read the binlog position and check the account's grants.

Usage: cdc_client.py --host H --port P --user U --status-query SQL
                     [--expect-grant PRIV]... [--grant-alias PRIV=SHOWN_AS]...
The password is read from the environment variable CDC_MYSQL_PASSWORD, never from argv.
Prints one JSON object on stdout; exits 0 when connected and queried (the caller judges the
result), 1 when the server refused or failed, 2 on bad usage. Never prints the password.
"""
import argparse
import json
import os
import re
import sys

import mysql.connector

PASSWORD_ENV = "CDC_MYSQL_PASSWORD"
GLOBAL_GRANT = re.compile(r"^GRANT (?P<privs>.+?) ON \*\.\* TO ")


def global_privileges(grant_lines):
    """Privileges granted ON *.*, as SHOW GRANTS spells them."""
    privs = set()
    for line in grant_lines:
        m = GLOBAL_GRANT.match(line)
        if m:
            privs.update(p.strip().upper() for p in m.group("privs").split(","))
    return privs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", required=True, type=int)
    ap.add_argument("--user", required=True)
    ap.add_argument("--status-query", required=True)
    ap.add_argument("--expect-grant", action="append", default=[])
    ap.add_argument("--grant-alias", action="append", default=[],
                    help="PRIV=SHOWN_AS: the server lists PRIV under another name")
    args = ap.parse_args()
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        print(f"{PASSWORD_ENV} is not set", file=sys.stderr)
        return 2
    aliases = dict(a.split("=", 1) for a in args.grant_alias)

    try:
        conn = mysql.connector.connect(host=args.host, port=args.port, user=args.user,
                                       password=password, connection_timeout=10)
    except mysql.connector.Error as e:
        # errno and msg only: the connector's messages name the user, not the password.
        print(json.dumps({"error": {"errno": e.errno, "msg": e.msg}}))
        return 1
    try:
        cur = conn.cursor(dictionary=True)
        cur.execute(args.status_query)
        status = cur.fetchall()
        cur.execute("SHOW GRANTS")
        grants = [next(iter(row.values())) for row in cur.fetchall()]
        cur.execute("SELECT CURRENT_USER() AS u, @@version AS v")
        who = cur.fetchone()
    finally:
        conn.close()

    have = global_privileges(grants)
    missing = [g for g in args.expect_grant
               if "ALL PRIVILEGES" not in have and g.upper() not in have and aliases.get(g, "").upper() not in have]
    # The hash in "IDENTIFIED BY PASSWORD '*...'" is not the password, but there is no need to echo it.
    shown = [re.sub(r"IDENTIFIED BY PASSWORD '[^']*'", "IDENTIFIED BY PASSWORD <hash>", g) for g in grants]
    print(json.dumps({
        "connector": mysql.connector.__version__,
        "server_version": who["v"],
        "current_user": who["u"],
        "binlog": {"file": status[0]["File"], "position": int(status[0]["Position"])} if status else None,
        "grants": shown,
        "global_privileges": sorted(have),
        "missing": missing,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
