"""A Spark driver on the Docker host against a real stack, with the plugin's fixtures only: a Delta table
written, merged, read, deleted from and removed, its data files written by executors in the containers.

Rows are made in SQL, not from Python lists: Python rows need Python workers on the executors, which must
be the driver's Python minor version (the apache/spark 3.5 images have Python 3.10).
"""
from __future__ import annotations

import os
from pathlib import Path

from pyspark.sql import SparkSession

handed_out: list[str] = []


def test_write_merge_read_and_delete_a_delta_table_at_a_shared_path(spark_session: SparkSession, delta_table_path: str) -> None:
    spark = spark_session
    handed_out.append(delta_table_path)
    spark.sql("SELECT * FROM VALUES (1, 'insert', 'alpha'), (2, 'insert', 'beta'), (3, 'insert', 'gamma') AS t(id, op, payload)") \
        .write.format("delta").save(delta_table_path)
    spark.sql(
        f"""MERGE INTO delta.`{delta_table_path}` t
            USING (SELECT * FROM VALUES (2, 'update', 'BETA'), (3, 'delete', NULL), (4, 'insert', 'delta') AS c(id, op, payload)) c
            ON t.id = c.id
            WHEN MATCHED AND c.op = 'delete' THEN DELETE
            WHEN MATCHED THEN UPDATE SET *
            WHEN NOT MATCHED AND c.op <> 'delete' THEN INSERT *"""
    )
    read = lambda: [tuple(r) for r in spark.read.format("delta").load(delta_table_path).orderBy("id").collect()]  # noqa: E731
    assert read() == [(1, "insert", "alpha"), (2, "update", "BETA"), (4, "insert", "delta")]
    spark.sql(f"DELETE FROM delta.`{delta_table_path}` WHERE id = 1")
    assert read() == [(2, "update", "BETA"), (4, "insert", "delta")]

    # The executors (in the containers, as the stack's sparkUser) wrote the data files into the shared
    # directory, where this process sees them as its own.
    data_files = [p for p in Path(delta_table_path).rglob("*.parquet")]
    assert data_files
    assert {p.stat().st_uid for p in data_files} == {os.getuid()}


def test_the_table_was_removed_after_the_test() -> None:
    assert len(handed_out) == 1 and not os.path.exists(handed_out[0])
