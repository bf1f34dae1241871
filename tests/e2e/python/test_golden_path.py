"""The golden path through a driver on the Docker host, with the plugin's fixtures only: a database commit ->
Debezium -> the stack's Kafka -> a Structured Streaming job on the stack's cluster, started from spark_session
-> a Delta table in the shared directory, read back. The executors in the Spark containers read Kafka (and the
databases, over JDBC) by the shared addresses, which this process dials too.

Prints "golden path <source> commit-to-Delta: <ms> ms" lines (the run's latency, read by the test that runs this).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming.query import StreamingQuery

from cdc_test_infra.env import CdcEnv

KafkaOptions = Callable[..., dict[str, str]]


def change_rows(spark: SparkSession, kafka_options: KafkaOptions, topic: str) -> DataFrame:
    """Debezium's JSON events (no schema envelope) from `topic` as (op, id, status) rows."""
    events = spark.readStream.format("kafka").options(**kafka_options(topic)).load()
    value = F.col("value").cast("string")
    return events.select(
        F.get_json_object(value, "$.op").alias("op"),
        F.get_json_object(value, "$.after.id").cast("int").alias("id"),
        F.get_json_object(value, "$.after.status").alias("status"),
    ).where(F.col("op").isin("c", "u", "r"))


def stream_to_delta(rows: DataFrame, path: str) -> StreamingQuery:
    return (
        rows.writeStream.format("delta").option("checkpointLocation", f"{path}/_checkpoint")
        .trigger(processingTime="200 milliseconds").start(f"{path}/table")
    )


def wait_for_row(spark: SparkSession, query: StreamingQuery, path: str, row_id: int, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        error = query.exception()
        if error is not None:
            raise AssertionError(f"the streaming query failed: {error}")
        if query.lastProgress is not None and spark.read.format("delta").load(f"{path}/table").where(F.col("id") == row_id).count() > 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"row {row_id} did not reach the Delta table at {path} within {timeout_s} s; last progress: {query.lastProgress}")


@pytest.fixture
def golden_table() -> str:
    return f"golden_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def running() -> Iterator[list[StreamingQuery]]:
    queries: list[StreamingQuery] = []
    yield queries
    for q in queries:
        q.stop()


def commit(connection: Any, *statements: str) -> None:
    """Runs `statements` and commits (mysql-connector and psycopg connections alike)."""
    cur = connection.cursor()
    try:
        for statement in statements:
            cur.execute(statement)
    finally:
        cur.close()
    connection.commit()


def assert_commits_reach_delta(
    source: str, spark: SparkSession, kafka_options: KafkaOptions, connection: Any, topic: str, table: str,
    path: str, running: list[StreamingQuery],
) -> None:
    """`table` holds row 1 already: a streaming job from `topic` into Delta at `path` gets it (its first batch),
    then row 2, committed while it runs; prints the commit-to-Delta latency of row 2."""
    query = stream_to_delta(change_rows(spark, kafka_options, topic), path)
    running.append(query)
    wait_for_row(spark, query, path, 1)

    commit(connection, f"INSERT INTO {table} VALUES (2, 'golden')")
    committed = time.monotonic()
    wait_for_row(spark, query, path, 2)
    print(f"golden path {source} commit-to-Delta: {(time.monotonic() - committed) * 1000:.0f} ms")
    rows = spark.read.format("delta").load(f"{path}/table").orderBy("id").collect()
    assert [(r.id, r.status) for r in rows] == [(1, "before the job"), (2, "golden")]


def test_mysql_commit_reaches_delta_through_a_streaming_job(
    spark_session: SparkSession, spark_kafka_options: KafkaOptions, mysql_connection: Any, delta_table_path: str,
    cdc_env: CdcEnv, golden_table: str, running: list[StreamingQuery],
) -> None:
    commit(mysql_connection, f"CREATE TABLE {golden_table} (id INT PRIMARY KEY, status VARCHAR(32))",
           f"INSERT INTO {golden_table} VALUES (1, 'before the job')")
    topic = f"{cdc_env['cdcTopicPrefix']}.{cdc_env['mysqlDatabase']}.{golden_table}"
    assert_commits_reach_delta("mysql", spark_session, spark_kafka_options, mysql_connection, topic, golden_table, delta_table_path, running)


def test_postgres_commit_reaches_delta_through_a_streaming_job(
    spark_session: SparkSession, spark_kafka_options: KafkaOptions, postgres_connection: Any, delta_table_path: str,
    cdc_env: CdcEnv, golden_table: str, running: list[StreamingQuery],
) -> None:
    commit(postgres_connection, f"CREATE TABLE {golden_table} (id INT PRIMARY KEY, status VARCHAR(32))",
           f"INSERT INTO {golden_table} VALUES (1, 'before the job')")
    topic = f"{cdc_env['postgresTopicPrefix']}.public.{golden_table}"
    assert_commits_reach_delta("postgres", spark_session, spark_kafka_options, postgres_connection, topic, golden_table, delta_table_path, running)


def test_executors_read_both_databases_over_jdbc_by_the_shared_addresses(
    spark_session: SparkSession, mysql_connection: Any, postgres_connection: Any,
    mysql_jdbc_options: dict[str, str], postgres_jdbc_options: dict[str, str], golden_table: str,
) -> None:
    commit(mysql_connection, f"CREATE TABLE {golden_table} (id INT PRIMARY KEY)", f"INSERT INTO {golden_table} VALUES (1), (2), (3)")
    commit(postgres_connection, f"CREATE TABLE {golden_table} (id INT PRIMARY KEY)", f"INSERT INTO {golden_table} VALUES (10), (20)")
    # The reads run in the executors (in the containers): a loopback address would be their own.
    mysql_ids = spark_session.read.format("jdbc").options(**mysql_jdbc_options, dbtable=golden_table).load()
    pg_ids = spark_session.read.format("jdbc").options(**postgres_jdbc_options, dbtable=golden_table).load()
    assert sorted(r.id for r in mysql_ids.collect()) == [1, 2, 3]
    assert sorted(r.id for r in pg_ids.collect()) == [10, 20]
