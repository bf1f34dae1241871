"""Spark fixtures for a driver on the Docker host: a SparkSession on the stack's master whose executors
connect back to this process, and Delta table paths in the directory the stack bind-mounts at the same
absolute path into every Spark container (so the driver and the executors see the same files).

The session is built from `spark_session_conf`, a dict a conftest.py may override (request the fixture
of the same name, return a changed copy); the ini options `cdc_spark_packages` and `cdc_spark_conf` add
Maven packages and Spark settings to it without code.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

import pytest

from .env import ENV_KEYS, CdcEnv
from .stack import shared_values, stack_values, unavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Delta Lake's SQL extension and catalog, as the cluster's spark-defaults.conf sets them.
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
#: Small: a test's executors share the stack's workers (2 GiB each by default) with other sessions.
EXECUTOR_MEMORY = "512m"

#: The ini options (linelist): extra Maven coordinates, and `key=value` Spark settings.
PACKAGES_INI = "cdc_spark_packages"
CONF_INI = "cdc_spark_conf"
#: In cdc_spark_packages: the stack's spark-sql-kafka coordinates (CDC_SPARK_KAFKA_PACKAGE), whose version
#: matches the cluster's Spark.
KAFKA_WORD = "kafka"
#: The artifact of Spark's Kafka source (without its Scala suffix).
KAFKA_ARTIFACT = "spark-sql-kafka-0-10_"

#: groupId:artifactId:version, as spark.jars.packages takes them.
_COORDINATES = re.compile(r"[^\s:,]+:[^\s:,]+:[^\s:,]+")
_CONF_KEY = re.compile(r"[^\s=]+")


def host_driver_conf(*, driver_host: str, jars_packages: str, warehouse: str) -> dict[str, str]:
    """Settings of a driver on the Docker host running jobs on the stack's cluster."""
    return {
        # Executors dial the driver at this name (the containers map it to the Docker host);
        # the driver listens on every interface, since that name need not resolve here.
        "spark.driver.host": driver_host,
        "spark.driver.bindAddress": "0.0.0.0",
        # The same delta-spark the cluster loads; the driver resolves it and ships it to the executors.
        "spark.jars.packages": jars_packages,
        "spark.sql.extensions": DELTA_EXTENSION,
        "spark.sql.catalog.spark_catalog": DELTA_CATALOG,
        # Managed tables land in the shared directory too, where the executors write them.
        "spark.sql.warehouse.dir": warehouse,
        "spark.executor.memory": EXECUTOR_MEMORY,
        "spark.executor.cores": "1",
        # Test-sized data: few partitions instead of 200 (shuffles) and 50 (Delta's log).
        "spark.sql.shuffle.partitions": "2",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def parse_spark_packages(lines: Iterable[str]) -> list[str]:
    """cdc_spark_packages' lines: coordinates or `kafka`, one a line or comma-separated; a UsageError names
    the option and the line of anything else."""
    packages: list[str] = []
    for line in lines:
        for item in (part.strip() for part in line.split(",")):
            if item != KAFKA_WORD and not _COORDINATES.fullmatch(item):
                raise pytest.UsageError(
                    f"{PACKAGES_INI}: {line.strip()!r}: expected Maven coordinates group:artifact:version"
                    f" or {KAFKA_WORD!r} (the stack's spark-sql-kafka), one a line"
                )
            packages.append(item)
    return packages


def parse_spark_conf(lines: Iterable[str]) -> dict[str, str]:
    """cdc_spark_conf's `key=value` lines (later lines win); a UsageError names the option and a malformed line."""
    conf: dict[str, str] = {}
    for line in lines:
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not _CONF_KEY.fullmatch(key):
            raise pytest.UsageError(f"{CONF_INI}: {line.strip()!r}: expected key=value (e.g. spark.executor.memory=1g)")
        if key == "spark.jars.packages":
            raise pytest.UsageError(
                f"{CONF_INI}: {line.strip()!r}: list packages in {PACKAGES_INI} (they are added to the stack's,"
                " which the cluster's Delta needs)"
            )
        conf[key] = value.strip()
    return conf


def ini_spark_packages(config: pytest.Config) -> list[str]:
    return parse_spark_packages(cast("list[str]", config.getini(PACKAGES_INI)))


def ini_spark_conf(config: pytest.Config) -> dict[str, str]:
    return parse_spark_conf(cast("list[str]", config.getini(CONF_INI)))


def join_packages(stack_packages: str, extra: Iterable[str], kafka_package: str | None = None) -> str:
    """spark.jars.packages: the stack's coordinates, then `extra` (`kafka` replaced by `kafka_package`),
    comma-joined, each once."""
    joined: list[str] = []
    for item in [*stack_packages.split(","), *extra]:
        item = item.strip()
        if item == KAFKA_WORD:
            if kafka_package is None:
                raise ValueError(f"{KAFKA_WORD!r} among the packages needs the stack's {ENV_KEYS['sparkKafkaPackage']}")
            item = kafka_package
        if item and item not in joined:
            joined.append(item)
    return ",".join(joined)


def session_conf(
    *,
    master: str,
    app_name: str,
    driver_host: str,
    stack_packages: str,
    warehouse: str,
    packages: Iterable[str] = (),
    kafka_package: str | None = None,
    extra_conf: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every setting of spark_session: master and app name, the host-driver conf with `packages` added,
    then `extra_conf` over it."""
    return {
        "spark.master": master,
        "spark.app.name": app_name,
        **host_driver_conf(
            driver_host=driver_host, jars_packages=join_packages(stack_packages, packages, kafka_package), warehouse=warehouse
        ),
        **(extra_conf or {}),
    }


def has_kafka_source(conf: Mapping[str, str]) -> bool:
    """Whether spark.jars.packages holds Spark's Kafka source (any Scala suffix and version)."""
    coordinates = (item.strip().split(":") for item in conf.get("spark.jars.packages", "").split(","))
    return any(len(parts) == 3 and parts[1].startswith(KAFKA_ARTIFACT) for parts in coordinates)


def kafka_source_options(bootstrap_servers: str, topic: str, **options: str) -> dict[str, str]:
    """Options of Spark's Kafka source (`.format("kafka")`) for `topic` (comma-separated topics allowed),
    from the earliest offset; `options` add to or replace them (e.g. startingOffsets="latest")."""
    return {"kafka.bootstrap.servers": bootstrap_servers, "subscribe": topic, "startingOffsets": "earliest", **options}


class KafkaOptions(Protocol):
    """The `spark_kafka_options` fixture: `spark_kafka_options(topic, **options) -> dict`."""

    def __call__(self, topic: str, **options: str) -> dict[str, str]: ...


def shared_dir_of(env: CdcEnv) -> Path:
    """The stack's shared directory, which must exist on this machine (it is a host path)."""
    (shared,) = stack_values(env, "sparkSharedDir")
    path = Path(shared)
    if not path.is_dir():
        unavailable(
            f"{ENV_KEYS['sparkSharedDir']}={shared} is not a directory on this machine: run the tests on the machine"
            " whose Docker daemon runs the stack (the directory is bind-mounted from there)"
        )
    return path


def remove_tree(path: Path) -> None:
    """Removes what a test wrote, saying whose files could not be removed and why."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise RuntimeError(
            f"cannot remove {path}: {err}. Executors write as the Spark containers' user (the stack's sparkUser"
            f" setting), which must be the user running the tests (uid {os.getuid()})"
        ) from err


@pytest.fixture(scope="session")
def spark_session_conf(cdc_env: CdcEnv, pytestconfig: pytest.Config) -> Iterator[dict[str, str]]:
    """Every setting `spark_session` is built from (spark.master and spark.app.name included): the host-driver
    conf, cdc_spark_packages added to the stack's spark.jars.packages, cdc_spark_conf over it all. Override it
    in a conftest.py by requesting it and returning a changed copy. The warehouse directory it names (under
    the shared directory) is removed at the end of the session."""
    master, driver_host, stack_packages, _ = stack_values(
        cdc_env, "sparkMasterUrl", "sparkDriverHost", "sparkJarsPackages", "sparkSharedDir"
    )
    shared = shared_dir_of(cdc_env)
    packages = ini_spark_packages(pytestconfig)
    kafka_package = stack_values(cdc_env, "sparkKafkaPackage")[0] if KAFKA_WORD in packages else None
    session_id = uuid.uuid4().hex[:12]
    warehouse = shared / f"warehouse-{session_id}"
    conf = session_conf(
        master=master,
        app_name=f"cdc-pytest-{session_id}",
        driver_host=driver_host,
        stack_packages=stack_packages,
        warehouse=str(warehouse),
        packages=packages,
        kafka_package=kafka_package,
        extra_conf=ini_spark_conf(pytestconfig),
    )
    try:
        yield conf
    finally:
        remove_tree(warehouse)


@pytest.fixture(scope="session")
def spark_session(spark_session_conf: dict[str, str]) -> Iterator[SparkSession]:
    """A SparkSession on the stack's master with Delta Lake, for a driver on the Docker host, built from
    `spark_session_conf`; stopped at the end."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        unavailable(f"pyspark is not importable ({err}): pip install 'cdc-test-infra[spark]'")
    builder = SparkSession.builder
    for key, value in spark_session_conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def spark_kafka_options(cdc_env: CdcEnv, request: pytest.FixtureRequest) -> KafkaOptions:
    """`spark_kafka_options(topic, **options)`: the options of Spark's Kafka source on the stack's Kafka at its
    shared address (CDC_KAFKA_SHARED_BOOTSTRAP_SERVERS, reachable from this driver and from the executors):

        spark_session.readStream.format("kafka").options(**spark_kafka_options(topic)).load()

    Fails the test when spark_session_conf has no spark-sql-kafka (add `kafka` to cdc_spark_packages)."""
    (bootstrap,) = shared_values(cdc_env, "kafkaSharedBootstrapServers")
    # Asked for after the address, so that a stack without shared addresses skips saying so.
    conf = cast("dict[str, str]", request.getfixturevalue("spark_session_conf"))
    if not has_kafka_source(conf):
        pytest.fail(
            f"spark_kafka_options: the session's spark.jars.packages has no spark-sql-kafka-0-10 (Spark's Kafka"
            f" source): add `{KAFKA_WORD}` to the {PACKAGES_INI} ini option, e.g. in pytest.ini:"
            f" `[pytest]` then `{PACKAGES_INI} = {KAFKA_WORD}`",
            pytrace=False,
        )

    def options(topic: str, **extra: str) -> dict[str, str]:
        return kafka_source_options(bootstrap, topic, **extra)

    return options


@pytest.fixture
def delta_table_path(cdc_env: CdcEnv, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh path under the stack's shared directory (not created), removed with all it holds after the test."""
    shared = shared_dir_of(cdc_env)
    name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:60]
    path = shared / f"{name}-{uuid.uuid4().hex[:12]}"
    try:
        yield str(path)
    finally:
        remove_tree(path)
