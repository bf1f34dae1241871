"""spark_session and delta_table_path against a real cluster: the driver is this process, the executors the
cluster's; a Delta table is written, merged and read at a path under the shared directory, then removed."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from cdc_test_infra.env import CdcEnv

CLUSTER_CONF = Path(__file__).resolve().parents[2] / "configs" / "spark" / "spark-defaults.conf"
SCHEMA = "id INT, op STRING, payload STRING"
#: Table paths handed out earlier in this module, checked for removal by a later test.
handed_out: list[str] = []


def cluster_conf() -> dict[str, str]:
    entries = {}
    for line in CLUSTER_CONF.read_text().splitlines():
        match = re.match(r"^\s*([^\s#!=:]+)\s*[\s=:]\s*(.*?)\s*$", line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def executor_ids(spark: SparkSession) -> list[str]:
    ids = spark.sparkContext._jsc.sc().getExecutorIds()
    return [str(ids.apply(i)) for i in range(ids.size())]


def test_the_session_is_a_host_driver_on_the_stacks_master_with_the_clusters_delta(spark_session: SparkSession, cdc_env: CdcEnv) -> None:
    conf = spark_session.conf
    assert spark_session.sparkContext.master == cdc_env["sparkMasterUrl"]
    assert conf.get("spark.driver.host") == cdc_env["sparkDriverHost"]
    assert conf.get("spark.driver.bindAddress") == "0.0.0.0"
    # The coordinates come from the stack's env line, which the program reads from the cluster's own file.
    assert conf.get("spark.jars.packages") == cdc_env["sparkJarsPackages"] == cluster_conf()["spark.jars.packages"]
    assert conf.get("spark.sql.extensions") == cluster_conf()["spark.sql.extensions"]
    assert conf.get("spark.sql.catalog.spark_catalog") == cluster_conf()["spark.sql.catalog.spark_catalog"]
    assert conf.get("spark.executor.memory") == "512m"
    assert str(conf.get("spark.sql.warehouse.dir")).startswith(f"file:{cdc_env['sparkSharedDir']}/warehouse-")


def test_delta_write_merge_and_read_at_the_table_path(spark_session: SparkSession, delta_table_path: str, cdc_env: CdcEnv) -> None:
    spark = spark_session
    table = Path(delta_table_path)
    assert table.parent == Path(cdc_env["sparkSharedDir"]) and not table.exists()
    handed_out.append(delta_table_path)

    first = [(1, "insert", "alpha"), (2, "insert", "beta"), (3, "insert", "gamma")]
    spark.createDataFrame(first, SCHEMA).write.format("delta").save(delta_table_path)

    # A CDC batch applied with MERGE (Delta's SQL extension and catalog).
    changes = [(2, "update", "BETA"), (3, "delete", None), (4, "insert", "delta")]
    spark.createDataFrame(changes, SCHEMA).createOrReplaceTempView("changes")
    spark.sql(
        f"""MERGE INTO delta.`{delta_table_path}` t USING changes c ON t.id = c.id
            WHEN MATCHED AND c.op = 'delete' THEN DELETE
            WHEN MATCHED THEN UPDATE SET *
            WHEN NOT MATCHED AND c.op <> 'delete' THEN INSERT *"""
    )

    rows = [r.asDict() for r in spark.read.format("delta").load(delta_table_path).orderBy("id").collect()]
    assert rows == [
        {"id": 1, "op": "insert", "payload": "alpha"},
        {"id": 2, "op": "update", "payload": "BETA"},
        {"id": 4, "op": "insert", "payload": "delta"},
    ]
    history = spark.sql(f"DESCRIBE HISTORY delta.`{delta_table_path}`").orderBy("version").collect()
    assert [(r["version"], r["operation"]) for r in history] == [(0, "WRITE"), (1, "MERGE")]
    # The log (the driver's) and the data files (the executors') are in one directory, readable here.
    assert sorted(f for f in os.listdir(table / "_delta_log") if f.endswith(".json")) == ["00000000000000000000.json", "00000000000000000001.json"]
    assert any(name.endswith(".parquet") for name in os.listdir(table))
    assert len(executor_ids(spark)) >= 1


def test_the_table_path_of_the_previous_test_was_removed_with_everything_in_it() -> None:
    if not handed_out:
        pytest.skip("the previous test got no table path (skipped without a stack)")
    assert len(handed_out) == 1
    assert not os.path.exists(handed_out[0])
