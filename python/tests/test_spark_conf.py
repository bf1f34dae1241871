"""spark_session's conf without a cluster: the ini options cdc_spark_packages and cdc_spark_conf, the
overridable spark_session_conf fixture, spark_session built from it (a stand-in builder records the conf),
and spark_kafka_options on the stack's shared Kafka address."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdc_test_infra.env import ENV_FILE_VARIABLE, ENV_KEYS
from cdc_test_infra.spark import (
    has_kafka_source,
    join_packages,
    kafka_source_options,
    parse_spark_conf,
    parse_spark_packages,
    session_conf,
)
from cdc_test_infra.stack import REQUIRE_VARIABLE

DELTA = "io.delta:delta-spark_2.12:3.3.3"
KAFKA = "org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.7"
SHARED_BOOTSTRAP = "172.18.0.1:29092"

WRITES_THE_CONF = """
import json
from pathlib import Path

def test_conf(spark_session_conf):
    Path("conf.json").write_text(json.dumps(spark_session_conf))
"""


@pytest.fixture
def spark_stack(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The Spark variables of a stack with host drivers (no stack behind them: nothing connects)."""
    monkeypatch.delenv(ENV_FILE_VARIABLE, raising=False)
    monkeypatch.delenv(REQUIRE_VARIABLE, raising=False)
    for variable in ENV_KEYS.values():
        monkeypatch.delenv(variable, raising=False)
    shared = tmp_path / "shared"
    shared.mkdir()
    for name, value in {
        "sparkMasterUrl": "spark://127.0.0.1:7077",
        "sparkDriverHost": "host.docker.internal",
        "sparkJarsPackages": DELTA,
        "sparkSharedDir": str(shared),
        "sparkKafkaPackage": KAFKA,
        "kafkaSharedBootstrapServers": SHARED_BOOTSTRAP,
    }.items():
        monkeypatch.setenv(ENV_KEYS[name], value)
    return shared


def written_conf(pytester: pytest.Pytester) -> dict[str, str]:
    conf: dict[str, str] = json.loads((pytester.path / "conf.json").read_text())
    return conf


# The conf-building functions.

def test_packages_are_lines_or_comma_separated_and_kafka_is_a_word() -> None:
    assert parse_spark_packages(["kafka", " a.b:c_2.12:1.0 , d:e:2 "]) == ["kafka", "a.b:c_2.12:1.0", "d:e:2"]


@pytest.mark.parametrize("line", ["delta-spark", "a:b", "a:b:c:d", "a b:c:1", "a:b:1,,c:d:2", "Kafka"])
def test_a_package_line_that_is_not_coordinates_is_a_usage_error(line: str) -> None:
    with pytest.raises(pytest.UsageError, match=f"cdc_spark_packages: {line!r}: expected Maven coordinates"):
        parse_spark_packages([line])


def test_join_packages_appends_to_the_stacks_expands_kafka_and_keeps_each_once() -> None:
    assert join_packages(DELTA, ["kafka", "x:y:1", DELTA, "kafka"], KAFKA) == f"{DELTA},{KAFKA},x:y:1"
    assert join_packages(DELTA, []) == DELTA
    with pytest.raises(ValueError, match=ENV_KEYS["sparkKafkaPackage"]):
        join_packages(DELTA, ["kafka"])


def test_conf_lines_are_key_value_and_later_lines_win() -> None:
    lines = ["spark.executor.memory = 1g", "spark.sql.session.timeZone=UTC", "spark.x=a=b", "spark.executor.memory=2g", "spark.empty="]
    assert parse_spark_conf(lines) == {
        "spark.executor.memory": "2g", "spark.sql.session.timeZone": "UTC", "spark.x": "a=b", "spark.empty": "",
    }


@pytest.mark.parametrize("line", ["spark.executor.memory 1g", "=1g", "spark executor.memory=1g"])
def test_a_malformed_conf_line_is_a_usage_error_naming_option_and_line(line: str) -> None:
    with pytest.raises(pytest.UsageError, match=f"cdc_spark_conf: {line!r}: expected key=value"):
        parse_spark_conf([line])


def test_packages_are_refused_in_the_conf_option() -> None:
    with pytest.raises(pytest.UsageError, match="list packages in cdc_spark_packages"):
        parse_spark_conf(["spark.jars.packages=x:y:1"])


def test_session_conf_is_the_host_driver_conf_with_packages_added_and_ini_conf_over_it() -> None:
    conf = session_conf(
        master="spark://m:7077", app_name="app", driver_host="host.docker.internal", stack_packages=DELTA,
        warehouse="/shared/wh", packages=["kafka"], kafka_package=KAFKA, extra_conf={"spark.executor.memory": "1g"},
    )
    assert conf["spark.master"] == "spark://m:7077" and conf["spark.app.name"] == "app"
    assert conf["spark.jars.packages"] == f"{DELTA},{KAFKA}"
    assert conf["spark.executor.memory"] == "1g"
    assert conf["spark.driver.bindAddress"] == "0.0.0.0" and conf["spark.sql.warehouse.dir"] == "/shared/wh"


def test_kafka_source_options_and_the_package_check() -> None:
    assert kafka_source_options("gw:29092", "cdc.db.orders") == {
        "kafka.bootstrap.servers": "gw:29092", "subscribe": "cdc.db.orders", "startingOffsets": "earliest",
    }
    assert kafka_source_options("gw:29092", "t", startingOffsets="latest")["startingOffsets"] == "latest"
    assert has_kafka_source({"spark.jars.packages": f"{DELTA},{KAFKA}"})
    assert has_kafka_source({"spark.jars.packages": "org.apache.spark:spark-sql-kafka-0-10_2.13:3.5.1"})
    assert not has_kafka_source({"spark.jars.packages": DELTA})
    assert not has_kafka_source({})


# The fixtures and ini options, in a pytest run of their own.

def test_the_ini_options_reach_the_conf(pytester: pytest.Pytester, spark_stack: Path) -> None:
    pytester.makeini(
        """
        [pytest]
        cdc_spark_packages =
            kafka
            org.example:extra_2.12:1.0, io.delta:delta-spark_2.12:3.3.3
        cdc_spark_conf =
            spark.executor.memory = 1g
            spark.sql.session.timeZone=UTC
        """
    )
    pytester.makepyfile(WRITES_THE_CONF)
    pytester.runpytest().assert_outcomes(passed=1)
    conf = written_conf(pytester)
    assert conf["spark.jars.packages"] == f"{DELTA},{KAFKA},org.example:extra_2.12:1.0"
    assert conf["spark.executor.memory"] == "1g"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.master"] == "spark://127.0.0.1:7077"
    assert conf["spark.driver.host"] == "host.docker.internal"
    assert conf["spark.app.name"].startswith("cdc-pytest-")
    assert conf["spark.sql.warehouse.dir"] == str(spark_stack / f"warehouse-{conf['spark.app.name'].removeprefix('cdc-pytest-')}")


def test_without_ini_options_the_conf_is_the_host_driver_conf(pytester: pytest.Pytester, spark_stack: Path) -> None:
    pytester.makepyfile(WRITES_THE_CONF)
    pytester.runpytest().assert_outcomes(passed=1)
    conf = written_conf(pytester)
    assert conf["spark.jars.packages"] == DELTA
    assert conf["spark.executor.memory"] == "512m"


@pytest.mark.parametrize(("option", "line", "message"), [
    ("cdc_spark_conf", "spark.executor.memory 1g", "expected key=value"),
    ("cdc_spark_packages", "delta-spark", "expected Maven coordinates"),
])
def test_a_malformed_ini_line_stops_the_run_naming_option_and_line(
    pytester: pytest.Pytester, spark_stack: Path, option: str, line: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{option} =\n    {line}\n")
    pytester.makepyfile("def test_nothing(): pass\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {option}: {line!r}: {message}*"])


def test_kafka_without_the_stacks_kafka_package_skips_naming_it(pytester: pytest.Pytester, spark_stack: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEYS["sparkKafkaPackage"])
    pytester.makeini("[pytest]\ncdc_spark_packages = kafka\n")
    pytester.makepyfile(WRITES_THE_CONF)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"SKIPPED*{ENV_KEYS['sparkKafkaPackage']} not set in the environment*"])


OVERRIDES_THE_CONF = """
import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession


class FakeSession:
    def __init__(self, conf):
        self.conf = conf

    def stop(self):
        Path("stopped.json").write_text(json.dumps(self.conf))


class FakeBuilder:
    def __init__(self):
        self.options = {}

    def config(self, key, value):
        self.options[key] = value
        return self

    def getOrCreate(self):
        return FakeSession(dict(self.options))


@pytest.fixture(scope="session", autouse=True)
def no_cluster():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SparkSession, "builder", FakeBuilder())
        yield


@pytest.fixture(scope="session")
def spark_session_conf(spark_session_conf):
    return {**spark_session_conf, "spark.executor.memory": "1g", "spark.my.setting": "on"}
"""


def test_a_conftest_overrides_spark_session_conf_and_spark_session_is_built_from_it(
    pytester: pytest.Pytester, spark_stack: Path
) -> None:
    pytest.importorskip("pyspark")
    pytester.makeconftest(OVERRIDES_THE_CONF)
    pytester.makepyfile(
        """
        import json
        import os
        from pathlib import Path

        def test_session(spark_session, spark_session_conf):
            assert spark_session.conf == spark_session_conf
            Path("conf.json").write_text(json.dumps(spark_session_conf))
            # What executors would write into the session's warehouse, removed after the session.
            os.makedirs(os.path.join(spark_session_conf["spark.sql.warehouse.dir"], "t"))
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    conf = written_conf(pytester)
    assert conf["spark.executor.memory"] == "1g" and conf["spark.my.setting"] == "on"
    assert conf["spark.jars.packages"] == DELTA and conf["spark.master"] == "spark://127.0.0.1:7077"
    assert json.loads((pytester.path / "stopped.json").read_text()) == conf
    assert list(spark_stack.iterdir()) == []


USES_KAFKA_OPTIONS = """
def test_options(request):
    options = request.getfixturevalue("spark_kafka_options")
    assert options("cdc.cdc_test.orders") == {
        "kafka.bootstrap.servers": "%s", "subscribe": "cdc.cdc_test.orders", "startingOffsets": "earliest",
    }
    assert options("a,b", startingOffsets="latest", maxOffsetsPerTrigger="10") == {
        "kafka.bootstrap.servers": "%s", "subscribe": "a,b", "startingOffsets": "latest", "maxOffsetsPerTrigger": "10",
    }
""" % (SHARED_BOOTSTRAP, SHARED_BOOTSTRAP)


def test_spark_kafka_options_use_the_shared_bootstrap_address(pytester: pytest.Pytester, spark_stack: Path) -> None:
    pytester.makeini("[pytest]\ncdc_spark_packages = kafka\n")
    pytester.makepyfile(USES_KAFKA_OPTIONS)
    pytester.runpytest().assert_outcomes(passed=1)


def test_spark_kafka_options_accept_kafka_coordinates_of_the_users_own(pytester: pytest.Pytester, spark_stack: Path) -> None:
    pytester.makeini("[pytest]\ncdc_spark_packages = org.apache.spark:spark-sql-kafka-0-10_2.12:3.5.1\n")
    pytester.makepyfile(USES_KAFKA_OPTIONS)
    pytester.runpytest().assert_outcomes(passed=1)


def test_spark_kafka_options_check_the_overridden_conf(pytester: pytest.Pytester, spark_stack: Path) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def spark_session_conf(spark_session_conf, cdc_env):
            packages = spark_session_conf["spark.jars.packages"] + "," + cdc_env["sparkKafkaPackage"]
            return {**spark_session_conf, "spark.jars.packages": packages}
        """
    )
    pytester.makepyfile(USES_KAFKA_OPTIONS)
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.parametrize("require", ["", "1"])
def test_spark_kafka_options_without_the_kafka_package_fail_saying_what_to_add(
    pytester: pytest.Pytester, spark_stack: Path, monkeypatch: pytest.MonkeyPatch, require: str
) -> None:
    monkeypatch.setenv(REQUIRE_VARIABLE, require)
    pytester.makepyfile(USES_KAFKA_OPTIONS)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*spark_kafka_options: *no spark-sql-kafka-0-10*add `kafka` to the cdc_spark_packages ini option*"])


def test_spark_kafka_options_without_a_shared_address_skip_saying_host_drivers_are_off(
    pytester: pytest.Pytester, spark_stack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEYS["kafkaSharedBootstrapServers"])
    pytester.makeini("[pytest]\ncdc_spark_packages = kafka\n")
    pytester.makepyfile(USES_KAFKA_OPTIONS)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([
        f"SKIPPED*{ENV_KEYS['kafkaSharedBootstrapServers']} not set in the environment*only when host drivers are on*"
    ])

    monkeypatch.setenv(REQUIRE_VARIABLE, "1")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*{ENV_KEYS['kafkaSharedBootstrapServers']} not set*host drivers are on*{REQUIRE_VARIABLE}=1 forbids skipping*"
    ])
