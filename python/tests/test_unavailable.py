"""Every stack fixture skips with the reason when its variables are missing, and fails instead under CDC_REQUIRE_E2E=1."""
from __future__ import annotations

import pytest

from cdc_test_infra.env import ENV_FILE_VARIABLE, ENV_KEYS
from cdc_test_infra.stack import REQUIRE_VARIABLE

USES_EVERY_FIXTURE = """
import pytest

@pytest.mark.parametrize("name", [
    "spark_session", "spark_session_conf", "delta_table_path", "alertmanager_client", "mysql_connection", "postgres_connection",
    "spark_kafka_options", "mysql_jdbc_options", "postgres_jdbc_options",
])
def test_fixture(request, name):
    request.getfixturevalue(name)
"""

# What each fixture needs first, as its skip reason names it.
FIRST_MISSING = {
    "spark_session": ENV_KEYS["sparkMasterUrl"],
    "spark_session_conf": ENV_KEYS["sparkMasterUrl"],
    "delta_table_path": ENV_KEYS["sparkSharedDir"],
    "alertmanager_client": ENV_KEYS["alertmanagerUrl"],
    "mysql_connection": ENV_KEYS["mysqlHost"],
    "postgres_connection": ENV_KEYS["postgresHost"],
    # The shared addresses come first, with the reason they can be missing.
    "spark_kafka_options": ENV_KEYS["kafkaSharedBootstrapServers"],
    "mysql_jdbc_options": ENV_KEYS["mysqlSharedHost"],
    "postgres_jdbc_options": ENV_KEYS["postgresSharedHost"],
}
SHARED = ("spark_kafka_options", "mysql_jdbc_options", "postgres_jdbc_options")


@pytest.fixture
def no_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FILE_VARIABLE, raising=False)
    for variable in ENV_KEYS.values():
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.usefixtures("no_stack")
def test_missing_variables_skip_each_fixture_naming_them(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    pytester.makepyfile(USES_EVERY_FIXTURE)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=len(FIRST_MISSING))
    for variable in FIRST_MISSING.values():
        result.stdout.fnmatch_lines([f"SKIPPED*{variable}*not set in the environment*"])
    for name in SHARED:
        result.stdout.fnmatch_lines([f"SKIPPED*{FIRST_MISSING[name]}*not set in the environment*only when host drivers are on*"])


@pytest.mark.usefixtures("no_stack")
def test_missing_variables_fail_each_fixture_under_require(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    pytester.makepyfile(USES_EVERY_FIXTURE)
    result = pytester.runpytest()
    result.assert_outcomes(failed=len(FIRST_MISSING))
    for variable in FIRST_MISSING.values():
        result.stdout.fnmatch_lines([f"*{variable}*not set in the environment*{REQUIRE_VARIABLE}=1 forbids skipping*"])


@pytest.mark.usefixtures("no_stack")
def test_a_shared_dir_that_is_not_on_this_machine_is_named(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    monkeypatch.setenv(ENV_KEYS["sparkSharedDir"], "/nonexistent/cdc-shared/dev")
    pytester.makepyfile("def test_path(delta_table_path): pass\n")
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED*{ENV_KEYS['sparkSharedDir']}=/nonexistent/cdc-shared/dev is not a directory on this machine*"])
