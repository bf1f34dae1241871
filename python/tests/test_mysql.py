"""mysql_connection against a real server: the CDC user on the test database, closed after the test."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from cdc_test_infra.env import CdcEnv

#: The connection of the first test, checked closed by the next one.
connections: list[Any] = []


def test_connects_as_the_cdc_user_to_the_test_database(mysql_connection: Any, cdc_env: CdcEnv) -> None:
    connections.append(mysql_connection)
    cursor = mysql_connection.cursor()
    cursor.execute("SELECT CURRENT_USER(), DATABASE()")
    assert cursor.fetchone() == (f"{cdc_env['mysqlCdcUser']}@%", cdc_env["mysqlDatabase"])
    # The pipeline's source tables live in the test database: the CDC user may create and fill them.
    table = f"orders_{uuid.uuid4().hex[:8]}"
    cursor.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, status VARCHAR(16))")
    try:
        cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "new"), (2, "paid")])
        mysql_connection.commit()
        cursor.execute(f"SELECT id, status FROM {table} ORDER BY id")
        assert cursor.fetchall() == [(1, "new"), (2, "paid")]
    finally:
        cursor.execute(f"DROP TABLE {table}")
        cursor.close()


def test_the_previous_connection_was_closed() -> None:
    if not connections:
        pytest.skip("the previous test did not get a connection (skipped without a stack)")
    assert len(connections) == 1
    assert not connections[0].is_connected()
