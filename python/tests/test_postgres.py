"""The postgres_connection fixture against a real server (run by tests/integration/postgres.test.ts)."""
from __future__ import annotations

import psycopg

from cdc_test_infra.env import CdcEnv


def test_logs_in_as_the_cdc_user_to_the_test_database(postgres_connection: psycopg.Connection, cdc_env: CdcEnv) -> None:
    row = postgres_connection.execute("SELECT current_user, current_database(), current_setting('wal_level')").fetchone()
    assert row == (cdc_env["postgresCdcUser"], cdc_env["postgresDatabase"], "logical")
    assert postgres_connection.autocommit


def test_writes_are_committed_at_once_and_published(postgres_connection: psycopg.Connection, cdc_env: CdcEnv) -> None:
    postgres_connection.execute("CREATE TABLE IF NOT EXISTS fixture_check (id int PRIMARY KEY, note text)")
    postgres_connection.execute("INSERT INTO fixture_check VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET note = EXCLUDED.note", (1, "seen"))
    # Another session sees the row: autocommit committed it.
    other = psycopg.connect(
        host=cdc_env["postgresHost"], port=int(cdc_env["postgresPort"]), dbname=cdc_env["postgresDatabase"],
        user=cdc_env["postgresCdcUser"], password=cdc_env["postgresCdcPassword"],
    )
    with other:
        assert other.execute("SELECT note FROM fixture_check WHERE id = 1").fetchone() == ("seen",)
        published = other.execute(
            "SELECT 1 FROM pg_publication_tables WHERE pubname = %s AND tablename = 'fixture_check'", (cdc_env["postgresPublication"],)
        ).fetchone()
        assert published == (1,)
    postgres_connection.execute("DROP TABLE fixture_check")
