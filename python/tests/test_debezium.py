"""A pipeline test's view of the stack's CDC path: a row written to the stack's database as its CDC
user arrives on `<CDC_TOPIC_PREFIX>.<database>.<table>` as Debezium events, read with `cdc_events`.
Run against a real MariaDB, Kafka and Kafka Connect with the stack's connector
(tests/integration/debezium.test.ts); skipped without those endpoints (failed under CDC_REQUIRE_E2E=1)."""
from __future__ import annotations

import uuid

import mysql.connector

from cdc_test_infra.env import CdcEnv
from cdc_test_infra.kafka import CdcEvents
from cdc_test_infra.plugin import stack_values


def test_insert_and_update_arrive_as_c_and_u(cdc_env: CdcEnv, cdc_events: CdcEvents) -> None:
    host, port, user, password, database, prefix = stack_values(
        cdc_env, "mysqlHost", "mysqlPort", "mysqlCdcUser", "mysqlCdcPassword", "mysqlDatabase", "cdcTopicPrefix")
    table = f"pytest_orders_{uuid.uuid4().hex[:8]}"
    conn = mysql.connector.connect(host=host, port=int(port), user=user, password=password, database=database, autocommit=True)
    try:
        cur = conn.cursor()
        # A table created after the snapshot is captured from the binlog (its DDL, then its rows).
        cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, status VARCHAR(16))")
        cur.execute(f"INSERT INTO {table} VALUES (7, 'new')")
        cur.execute(f"UPDATE {table} SET status = 'paid' WHERE id = 7")
    finally:
        conn.close()
    topic = f"{prefix}.{database}.{table}"
    [created] = cdc_events.wait_for(topic, op="c", after={"id": 7}, timeout=60)
    assert (created.key, created.before, created.after) == ({"id": 7}, None, {"id": 7, "status": "new"})
    [updated] = cdc_events.wait_for(topic, op="u", key={"id": 7}, timeout=60)
    assert (updated.before, updated.after) == ({"id": 7, "status": "new"}, {"id": 7, "status": "paid"})
    assert updated.source is not None and updated.source["table"] == table
