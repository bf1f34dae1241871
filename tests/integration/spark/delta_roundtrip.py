"""Writes a Delta table through a Spark standalone cluster, applies a CDC batch to it, reads it back.

Usage: delta_roundtrip.py <spark://host:port> <table>

The Delta settings (package, SQL extension, catalog, warehouse) are NOT set here: they come from
spark-defaults.conf in $SPARK_CONF_DIR, i.e. the project's configs/spark/spark-defaults.conf, so the
file is what is proven. Only the driver's loopback address is set, as a driver on the host would,
and the partition counts are sized down for a few rows on one executor core.

Prints one line "RESULT <json>" on stdout; Spark and Ivy chatter goes to stderr.
"""
import json
import sys
import time

from pyspark.sql import SparkSession

SCHEMA = "id INT, op STRING, payload STRING"


def main(master: str, table: str) -> None:
    t0 = time.monotonic()
    spark = (
        SparkSession.builder.master(master)
        .appName(f"cdc-delta-roundtrip-{table}")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        # Sized for one 1-core executor and a few rows (defaults: 200 shuffle partitions, 50 for Delta's log).
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .getOrCreate()
    )
    seconds = {"session": time.monotonic() - t0}
    result = {}
    try:
        sc = spark.sparkContext
        t = time.monotonic()
        # Python rows: executors run Python workers too, as the pipeline's jobs do.
        first = [(1, "insert", "alpha"), (2, "insert", "beta"), (3, "insert", "gamma")]
        spark.createDataFrame(first, SCHEMA).write.format("delta").saveAsTable(table)
        seconds["write"] = time.monotonic() - t

        # A CDC batch applied with MERGE, which needs Delta's SQL extension and catalog.
        t = time.monotonic()
        changes = [(2, "update", "BETA"), (3, "delete", None), (4, "insert", "delta")]
        spark.createDataFrame(changes, SCHEMA).createOrReplaceTempView("changes")
        spark.sql(
            f"""MERGE INTO {table} t USING changes c ON t.id = c.id
                WHEN MATCHED AND c.op = 'delete' THEN DELETE
                WHEN MATCHED THEN UPDATE SET *
                WHEN NOT MATCHED AND c.op <> 'delete' THEN INSERT *"""
        )
        seconds["merge"] = time.monotonic() - t

        t = time.monotonic()
        rows = [r.asDict() for r in spark.table(table).orderBy("id").collect()]
        count = spark.table(table).count()
        version0 = [r.asDict() for r in spark.read.option("versionAsOf", 0).table(table).orderBy("id").collect()]
        detail = spark.sql(f"DESCRIBE DETAIL {table}").collect()[0].asDict()
        history = spark.sql(f"DESCRIBE HISTORY {table}").orderBy("version").collect()
        seconds["read"] = time.monotonic() - t

        # Replacing a table (DataFrameWriter overwrite = REPLACE TABLE AS SELECT), reported rather than raised.
        t = time.monotonic()
        try:
            spark.createDataFrame([(9, "insert", "replaced")], SCHEMA).write.format("delta").mode("overwrite").saveAsTable(table)
            replace = {"error": None, "rows": [r.asDict() for r in spark.table(table).collect()]}
        except Exception as e:  # noqa: BLE001 - the message is the finding
            replace = {"error": str(e).splitlines()[0], "rows": None}
        seconds["replace"] = time.monotonic() - t

        ids = sc._jsc.sc().getExecutorIds()
        result = {
            "master": sc.master,
            "sparkVersion": sc.version,
            "appId": sc.applicationId,
            "appName": sc.appName,
            # Executors the driver had (the driver itself is not one of them).
            "executorIds": [ids.apply(i) for i in range(ids.size())],
            "conf": {
                k: spark.conf.get(k, None)
                for k in (
                    "spark.jars.packages",
                    "spark.jars.ivy",
                    "spark.sql.extensions",
                    "spark.sql.catalog.spark_catalog",
                    "spark.sql.warehouse.dir",
                    "spark.driver.memory",
                    "spark.executor.memory",
                    "spark.executor.cores",
                )
            },
            "rows": rows,
            "count": count,
            "version0": version0,
            "format": detail["format"],
            "location": detail["location"],
            "history": [[r["version"], r["operation"]] for r in history],
            "replace": replace,
        }
    finally:
        # Stopping ends the application, so the master lists it as completed.
        spark.stop()
    result["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    print("RESULT " + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
