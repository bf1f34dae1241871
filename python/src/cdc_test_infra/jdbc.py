"""JDBC options for Spark jobs on the stack's databases: the shared host and port (reachable from a driver on
this host and from the executors in the containers), the database, the CDC user and the driver class.

    spark_session.read.format("jdbc").options(**mysql_jdbc_options, dbtable="orders").load()

The JDBC driver's jar is the suite's to add to cdc_spark_packages, with the version it wants
(org.mariadb.jdbc:mariadb-java-client:<version>, com.mysql:mysql-connector-j:<version>, org.postgresql:postgresql:<version>).
"""
from __future__ import annotations

import pytest

from .env import CdcEnv
from .stack import shared_values, stack_values

#: CDC_MYSQL_FLAVOR -> (URL scheme, driver class). Both use the jdbc:mysql: scheme: Spark picks its SQL
#: dialect by the URL, and only its MySQL dialect quotes names with backticks (the generic one's double quotes
#: are string literals to MariaDB: a column read back as its own name). MariaDB's driver takes that scheme
#: with permitMysqlScheme (see mysql_jdbc_url).
MYSQL_FLAVORS = {
    "mariadb": ("jdbc:mysql", "org.mariadb.jdbc.Driver"),
    "mysql": ("jdbc:mysql", "com.mysql.cj.jdbc.Driver"),
}
POSTGRES_DRIVER = "org.postgresql.Driver"


def _authority(host: str, port: str | int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def mysql_jdbc_url(flavor: str, host: str, port: str | int, database: str) -> str:
    """`jdbc:mysql://host:port/database`, with `?permitMysqlScheme` for MariaDB's Connector/J (see MYSQL_FLAVORS)."""
    if flavor not in MYSQL_FLAVORS:
        raise ValueError(f"MySQL flavor {flavor!r}: expected one of {', '.join(MYSQL_FLAVORS)}")
    url = f"{MYSQL_FLAVORS[flavor][0]}://{_authority(host, port)}/{database}"
    return f"{url}?permitMysqlScheme" if flavor == "mariadb" else url


def postgres_jdbc_url(host: str, port: str | int, database: str) -> str:
    """`jdbc:postgresql://host:port/database`."""
    return f"jdbc:postgresql://{_authority(host, port)}/{database}"


@pytest.fixture(scope="session")
def mysql_jdbc_options(cdc_env: CdcEnv) -> dict[str, str]:
    """url (shared host and port; jdbc:mysql:, with MariaDB's driver and permitMysqlScheme after CDC_MYSQL_FLAVOR), driver, user, password
    of the stack's MySQL/MariaDB test database as the CDC user, for `spark.read.format("jdbc").options(**...)`."""
    host, port = shared_values(cdc_env, "mysqlSharedHost", "mysqlSharedPort")
    flavor, database, user, password = stack_values(cdc_env, "mysqlFlavor", "mysqlDatabase", "mysqlCdcUser", "mysqlCdcPassword")
    url = mysql_jdbc_url(flavor, host, port, database)
    return {"url": url, "driver": MYSQL_FLAVORS[flavor][1], "user": user, "password": password}


@pytest.fixture(scope="session")
def postgres_jdbc_options(cdc_env: CdcEnv) -> dict[str, str]:
    """url (shared host and port), driver, user, password of the stack's PostgreSQL test database as the CDC
    user, for `spark.read.format("jdbc").options(**...)`."""
    host, port = shared_values(cdc_env, "postgresSharedHost", "postgresSharedPort")
    database, user, password = stack_values(cdc_env, "postgresDatabase", "postgresCdcUser", "postgresCdcPassword")
    return {"url": postgres_jdbc_url(host, port, database), "driver": POSTGRES_DRIVER, "user": user, "password": password}
