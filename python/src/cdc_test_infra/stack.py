"""The plugin's rule for missing stack variables, and the `cdc_env` fixture every stack fixture builds on.

A fixture whose stack variables are missing skips with the reason; under CDC_REQUIRE_E2E=1 it fails.
The fixture modules import these helpers; plugin.py only registers the fixtures and the ini options.
"""
from __future__ import annotations

import os
from typing import NoReturn

import pytest

from .env import CdcEnv, MissingStackVariables, load_cdc_env

#: Set to 1 where a stack must be there (a PR environment's tests): missing variables fail, not skip.
REQUIRE_VARIABLE = "CDC_REQUIRE_E2E"

#: Why a stack has no shared (host- and container-reachable) addresses.
HOST_DRIVERS_OFF = (
    "shared addresses (reachable both from this host and from Spark executors in the stack's containers) exist"
    " only when host drivers are on, i.e. the stack's Docker daemon runs on this machine"
    " (see docs/spark.md)"
)


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


def shared_values(env: CdcEnv, *names: str) -> tuple[str, ...]:
    """As stack_values, for the shared addresses (`kafkaSharedBootstrapServers`, `mysqlSharedHost`, ...):
    the reason says that host drivers are off."""
    try:
        return env.require(*names)
    except MissingStackVariables as err:
        unavailable(f"{err}: {HOST_DRIVERS_OFF}")


@pytest.fixture(scope="session")
def cdc_env() -> CdcEnv:
    """The stack's endpoints, from CDC_ENV_FILE or the environment."""
    return load_cdc_env()
