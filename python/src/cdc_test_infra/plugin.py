"""The pytest plugin (entry point `pytest11`): registers the fixtures for the pipeline's tests against the
stack, and the ini options of `spark_session`.

A fixture whose stack variables are missing skips with the reason; under CDC_REQUIRE_E2E=1 it fails
(the rule lives in stack.py; its names stay importable from here).
"""
from __future__ import annotations

import pytest

from .alertmanager import alertmanager_client
from .jdbc import mysql_jdbc_options, postgres_jdbc_options
from .kafka import cdc_events
from .mysql import mysql_connection
from .postgres import postgres_connection
from .spark import (
    CONF_INI,
    PACKAGES_INI,
    delta_table_path,
    ini_spark_conf,
    ini_spark_packages,
    spark_kafka_options,
    spark_session,
    spark_session_conf,
)
from .stack import REQUIRE_VARIABLE, cdc_env, stack_values, unavailable

__all__ = [
    # The helpers, importable from here as before.
    "REQUIRE_VARIABLE", "stack_values", "unavailable",
    # The fixtures (pytest registers those of the plugin module).
    "alertmanager_client", "cdc_env", "cdc_events", "delta_table_path", "mysql_connection", "mysql_jdbc_options",
    "postgres_connection", "postgres_jdbc_options", "spark_kafka_options", "spark_session", "spark_session_conf",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        PACKAGES_INI,
        "Maven coordinates (group:artifact:version) spark_session loads besides the stack's"
        " CDC_SPARK_JARS_PACKAGES; the word `kafka` stands for the stack's CDC_SPARK_KAFKA_PACKAGE",
        type="linelist",
        default=[],
    )
    parser.addini(
        CONF_INI,
        "key=value lines of Spark conf spark_session sets over the plugin's host-driver conf",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    # A malformed ini line stops the run at once (a UsageError), not in the first test that builds a session.
    ini_spark_packages(config)
    ini_spark_conf(config)
