"""The JDBC options for Spark jobs on the stack's databases, at their shared addresses, without a stack."""
from __future__ import annotations

import json

import pytest

from cdc_test_infra.env import ENV_FILE_VARIABLE, ENV_KEYS
from cdc_test_infra.jdbc import mysql_jdbc_url, postgres_jdbc_url
from cdc_test_infra.stack import REQUIRE_VARIABLE


def test_mysql_urls_follow_the_flavor() -> None:
    assert mysql_jdbc_url("mariadb", "172.18.0.1", 3306, "cdc_test") == "jdbc:mysql://172.18.0.1:3306/cdc_test?permitMysqlScheme"
    assert mysql_jdbc_url("mysql", "172.18.0.1", "3306", "cdc_test") == "jdbc:mysql://172.18.0.1:3306/cdc_test"
    with pytest.raises(ValueError, match="expected one of mariadb, mysql"):
        mysql_jdbc_url("percona", "h", 1, "d")


def test_postgres_urls_and_ipv6_hosts() -> None:
    assert postgres_jdbc_url("172.18.0.1", 5432, "cdc_test") == "jdbc:postgresql://172.18.0.1:5432/cdc_test"
    assert postgres_jdbc_url("fd00::1", 5432, "d") == "jdbc:postgresql://[fd00::1]:5432/d"


STACK = {
    "mysqlFlavor": "mariadb", "mysqlHost": "127.0.0.1", "mysqlPort": "13306", "mysqlDatabase": "cdc_test",
    "mysqlCdcUser": "cdc", "mysqlCdcPassword": "secret 'quoted'", "mysqlSharedHost": "172.18.0.1", "mysqlSharedPort": "23306",
    "postgresHost": "127.0.0.1", "postgresPort": "15432", "postgresDatabase": "cdc_pg", "postgresCdcUser": "pgcdc",
    "postgresCdcPassword": "pw", "postgresSharedHost": "172.18.0.1", "postgresSharedPort": "25432",
}

WRITES_THE_OPTIONS = """
import json
from pathlib import Path

def test_options(mysql_jdbc_options, postgres_jdbc_options):
    Path("options.json").write_text(json.dumps([mysql_jdbc_options, postgres_jdbc_options]))
"""


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_FILE_VARIABLE, raising=False)
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    for name, variable in ENV_KEYS.items():
        if name in STACK:
            monkeypatch.setenv(variable, STACK[name])
        else:
            monkeypatch.delenv(variable, raising=False)


@pytest.mark.usefixtures("stack")
@pytest.mark.parametrize(("flavor", "scheme", "driver"), [
    ("mariadb", "jdbc:mysql", "org.mariadb.jdbc.Driver"),
    ("mysql", "jdbc:mysql", "com.mysql.cj.jdbc.Driver"),
])
def test_the_fixtures_use_the_shared_addresses(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                               flavor: str, scheme: str, driver: str) -> None:
    monkeypatch.setenv(ENV_KEYS["mysqlFlavor"], flavor)
    pytester.makepyfile(WRITES_THE_OPTIONS)
    pytester.runpytest().assert_outcomes(passed=1)
    mysql, postgres = json.loads((pytester.path / "options.json").read_text())
    suffix = "?permitMysqlScheme" if flavor == "mariadb" else ""
    assert mysql == {"url": f"{scheme}://172.18.0.1:23306/cdc_test{suffix}", "driver": driver, "user": "cdc", "password": "secret 'quoted'"}
    assert postgres == {"url": "jdbc:postgresql://172.18.0.1:25432/cdc_pg", "driver": "org.postgresql.Driver", "user": "pgcdc", "password": "pw"}


@pytest.mark.usefixtures("stack")
def test_without_shared_addresses_they_skip_saying_host_drivers_are_off(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEYS["mysqlSharedPort"])
    pytester.makepyfile(WRITES_THE_OPTIONS)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED*stack variable {ENV_KEYS['mysqlSharedPort']} not set*only when host drivers are on*"])
