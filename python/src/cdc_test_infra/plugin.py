"""The pytest plugin (entry point `pytest11`): fixtures for the pipeline's tests against the stack.

A fixture whose stack variables are missing skips with the reason; under CDC_REQUIRE_E2E=1 it fails.
"""
from __future__ import annotations

import os
from typing import NoReturn

import pytest

from .env import CdcEnv, MissingStackVariables, load_cdc_env

#: Set to 1 where a stack must be there (a PR environment's tests): missing variables fail, not skip.
REQUIRE_VARIABLE = "CDC_REQUIRE_E2E"


def unavailable(reason: str) -> NoReturn:
    """Skips the test, or fails it under CDC_REQUIRE_E2E=1."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} ({REQUIRE_VARIABLE}=1 forbids skipping)", pytrace=False)
    pytest.skip(reason)


def stack_values(env: CdcEnv, *names: str) -> tuple[str, ...]:
    """The endpoints `names` need, or the test is skipped (failed under CDC_REQUIRE_E2E=1)."""
    try:
        return env.require(*names)
    except MissingStackVariables as err:
        unavailable(str(err))


@pytest.fixture(scope="session")
def cdc_env() -> CdcEnv:
    """The stack's endpoints, from CDC_ENV_FILE or the environment."""
    return load_cdc_env()

# The stack's fixtures (their modules import the helpers above when a fixture runs, so either side can be imported first).
from .alertmanager import alertmanager_client  # noqa: E402,F401
from .mysql import mysql_connection  # noqa: E402,F401
from .spark import delta_table_path, spark_session  # noqa: E402,F401
from .kafka import cdc_events  # noqa: E402,F401  (registers the fixture)
from .postgres import postgres_connection  # noqa: E402,F401  (registers the fixture)
