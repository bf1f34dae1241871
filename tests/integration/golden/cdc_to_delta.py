"""The golden path's Spark job: Debezium change events from Kafka into a Delta table, through a Spark
standalone cluster, as a Structured Streaming query; rows are then committed to the database and
read back from the Delta table.

Usage: cdc_to_delta.py <spark://host:port> <bootstrap> <topic> <delta path> <checkpoint dir> <mysql host> <port> <user> <database> <table> <first id> <rows>
The database password comes from CDC_MYSQL_PASSWORD; the packages (Delta + spark-sql-kafka) from SPARK_JARS_PACKAGES.
Prints one line "RESULT <json>" on stdout; Spark and Ivy chatter goes to stderr.
"""
import json
import os
import sys
import time

import mysql.connector
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

# Debezium's plain JSON value (the connector disables the converter's schema envelope).
ROW = StructType([StructField("id", IntegerType()), StructField("status", StringType())])
EVENT = StructType([
    StructField("op", StringType()),
    StructField("after", ROW),
    StructField("source", StructType([StructField("ts_ms", LongType())])),
    StructField("ts_ms", LongType()),
])


def main(master, bootstrap, topic, path, checkpoint, host, port, user, database, table, first_id, rows):
    t0 = time.monotonic()
    spark = (
        SparkSession.builder.master(master)
        .appName("cdc-golden-path")
        .config("spark.jars.packages", os.environ["SPARK_JARS_PACKAGES"])
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.databricks.delta.snapshotPartitions", "1")
        .getOrCreate()
    )
    session_s = time.monotonic() - t0
    events = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
        .select(F.from_json(F.col("value").cast("string"), EVENT).alias("e"))
        .where(F.col("e.op").isin("c", "u", "r"))
        .select(F.col("e.after.id").alias("id"), F.col("e.after.status").alias("status"), F.col("e.op").alias("op"),
                F.col("e.source.ts_ms").alias("committed_ms"))
    )
    query = (
        events.writeStream.format("delta").option("checkpointLocation", checkpoint)
        .trigger(processingTime="500 milliseconds").start(path)
    )
    # Wait for the first micro-batch (the events already on the topic) so the timings below are the steady state.
    deadline = time.monotonic() + 180
    while query.lastProgress is None and time.monotonic() < deadline:
        if query.exception():
            raise query.exception()
        time.sleep(0.2)
    stream_start_s = time.monotonic() - t0

    conn = mysql.connector.connect(host=host, port=int(port), user=user, password=os.environ["CDC_MYSQL_PASSWORD"], database=database, autocommit=True)
    latencies_ms = []
    cur = conn.cursor()
    for i in range(int(rows)):
        row_id = int(first_id) + i
        cur.execute(f"INSERT INTO {table} (id, status) VALUES (%s, %s)", (row_id, "golden"))
        committed = time.time()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if query.exception():
                raise query.exception()
            if spark.read.format("delta").load(path).where(F.col("id") == row_id).count() > 0:
                break
            time.sleep(0.1)
        else:
            raise TimeoutError(f"row {row_id} did not reach the Delta table at {path} within 120 s")
        latencies_ms.append(round((time.time() - committed) * 1000))
    conn.close()
    query.stop()
    rows_back = [r.asDict() for r in spark.read.format("delta").load(path).where(F.col("id") >= int(first_id)).orderBy("id").collect()]
    result = {
        "sessionSeconds": round(session_s, 1),
        "streamStartSeconds": round(stream_start_s, 1),
        "latenciesMs": latencies_ms,
        "rows": [{k: v for k, v in r.items() if k != "committed_ms"} for r in rows_back],
        "master": spark.sparkContext.master,
    }
    spark.stop()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
