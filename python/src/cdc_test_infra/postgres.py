"""The `postgres_connection` fixture: psycopg 3 to the stack's PostgreSQL, as the CDC user."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .env import CdcEnv

if TYPE_CHECKING:
    import psycopg

#: The endpoints the fixture needs, as the program's outputs name them.
POSTGRES_ENDPOINTS = ("postgresHost", "postgresPort", "postgresDatabase", "postgresCdcUser", "postgresCdcPassword")


@pytest.fixture
def postgres_connection(cdc_env: CdcEnv) -> Iterator[psycopg.Connection]:
    """A connection to the stack's test database as the CDC user, closed after the test.

    Autocommit: each statement commits at once, so Debezium sees it without an explicit commit;
    group statements with ``with postgres_connection.transaction(): ...``.
    """
    # Imported here: the plugin imports this module, and psycopg is only loaded by tests that use it.
    import psycopg

    from .plugin import stack_values

    host, port, database, user, password = stack_values(cdc_env, *POSTGRES_ENDPOINTS)
    connection = psycopg.connect(
        host=host,
        port=int(port),
        dbname=database,
        user=user,
        password=password,
        connect_timeout=10,
        autocommit=True,
        application_name="cdc-test-infra pytest",
    )
    with connection:
        yield connection
