"""The stack's PostgreSQL as the pipeline connects to it: psycopg 3, the CDC user on the test database."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .env import CdcEnv
from .stack import stack_values, unavailable

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg.rows import TupleRow

#: The endpoints the fixture needs, as the program's outputs name them.
POSTGRES_ENDPOINTS = ("postgresHost", "postgresPort", "postgresDatabase", "postgresCdcUser", "postgresCdcPassword")


@pytest.fixture
def postgres_connection(cdc_env: CdcEnv) -> Iterator[Connection[TupleRow]]:
    """A connection to the stack's test database as the CDC user, closed after the test.

    Autocommit: each statement commits at once, so Debezium sees it without an explicit commit;
    group statements with ``with postgres_connection.transaction(): ...``.
    """
    host, port, database, user, password = stack_values(cdc_env, *POSTGRES_ENDPOINTS)
    try:
        import psycopg
    except ImportError as err:
        unavailable(f"psycopg is not importable ({err}): pip install 'cdc-test-infra[postgres]'")
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
