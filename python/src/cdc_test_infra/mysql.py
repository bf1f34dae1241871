"""The stack's MySQL (or MariaDB) as the pipeline connects to it: the CDC user on the test database."""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .env import CdcEnv
from .stack import stack_values, unavailable

if TYPE_CHECKING:
    from mysql.connector.abstracts import MySQLConnectionAbstract
    from mysql.connector.pooling import PooledMySQLConnection


@pytest.fixture
def mysql_connection(cdc_env: CdcEnv) -> Iterator[MySQLConnectionAbstract | PooledMySQLConnection]:
    """A mysql-connector-python connection as the CDC user to the test database; closed after the test."""
    host, port, database, user, password = stack_values(
        cdc_env, "mysqlHost", "mysqlPort", "mysqlDatabase", "mysqlCdcUser", "mysqlCdcPassword"
    )
    try:
        import mysql.connector
    except ImportError as err:
        unavailable(f"mysql-connector-python is not importable ({err}): pip install 'cdc-test-infra[mysql]'")
    connection = mysql.connector.connect(
        host=host, port=int(port), user=user, password=password, database=database, connection_timeout=10
    )
    try:
        yield connection
    finally:
        connection.close()
