"""Spark fixtures for a driver on the Docker host: a SparkSession on the stack's master whose executors
connect back to this process, and Delta table paths in the directory the stack bind-mounts at the same
absolute path into every Spark container (so the driver and the executors see the same files).
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .env import ENV_KEYS, CdcEnv

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Delta Lake's SQL extension and catalog, as the cluster's spark-defaults.conf sets them.
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
#: Small: a test's executors share the stack's workers (2 GiB each by default) with other sessions.
EXECUTOR_MEMORY = "512m"


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


def shared_dir_of(env: CdcEnv) -> Path:
    """The stack's shared directory, which must exist on this machine (it is a host path)."""
    from .plugin import stack_values, unavailable

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
def spark_session(cdc_env: CdcEnv) -> Iterator[SparkSession]:
    """A SparkSession on the stack's master with Delta Lake, for a driver on the Docker host; stopped at the end."""
    from .plugin import stack_values, unavailable

    master, driver_host, jars_packages = stack_values(cdc_env, "sparkMasterUrl", "sparkDriverHost", "sparkJarsPackages")
    shared = shared_dir_of(cdc_env)
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        unavailable(f"pyspark is not importable ({err}): pip install 'cdc-test-infra[spark]'")
    session_id = uuid.uuid4().hex[:12]
    warehouse = shared / f"warehouse-{session_id}"
    builder = SparkSession.builder.master(master).appName(f"cdc-pytest-{session_id}")
    for key, value in host_driver_conf(driver_host=driver_host, jars_packages=jars_packages, warehouse=str(warehouse)).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()
        remove_tree(warehouse)


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
