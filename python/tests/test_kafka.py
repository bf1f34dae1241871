"""The cdc_events fixture against a real broker (CDC_KAFKA_BOOTSTRAP_SERVERS), fed Debezium-shaped
JSON events produced here, with and without the JSON converter's schema envelope."""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import Producer

from cdc_test_infra.env import CdcEnv
from cdc_test_infra.kafka import CdcEvents, CdcEventsTimeout, change_event


def envelope(payload: Any) -> Any:
    """As Kafka Connect's JsonConverter writes with schemas.enable=true (the schema is not read)."""
    return {"schema": {"type": "struct", "optional": False, "fields": []}, "payload": payload}


def change(op: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {"op": op, "before": before, "after": after, "source": {"connector": "mysql", "db": "cdc_test", "table": "orders"},
            "ts_ms": 1700000000000}


@pytest.fixture
def topic() -> str:
    return f"cdc.cdc_test.orders_{uuid.uuid4().hex[:8]}"


#: produce(topic, key, value, schemas=True): one record, JSON, flushed.
Produce = Callable[..., None]


@pytest.fixture
def produce(cdc_env: CdcEnv) -> Produce:
    producer = Producer({"bootstrap.servers": cdc_env["kafkaBootstrapServers"]})

    def send(topic: str, key: Any, value: Any, schemas: bool = True) -> None:
        wrap: Callable[[Any], Any] = envelope if schemas else (lambda v: v)
        producer.produce(topic, key=json.dumps(wrap(key)).encode(), value=None if value is None else json.dumps(wrap(value)).encode())
        assert producer.flush(10) == 0

    return send


def test_waits_for_events_matching_op_key_and_after_fields(cdc_events: CdcEvents, produce: Produce, topic: str) -> None:
    produce(topic, {"id": 1}, change("r", None, {"id": 1, "total": 5.0}))
    produce(topic, {"id": 2}, change("c", None, {"id": 2, "total": 9.5}))
    produce(topic, {"id": 2}, change("u", {"id": 2, "total": 9.5}, {"id": 2, "total": 12.0}))

    [created] = cdc_events.wait_for(topic, op="c", after={"id": 2}, timeout=20)
    assert (created.op, created.key, created.after, created.offset) == ("c", {"id": 2}, {"id": 2, "total": 9.5}, 1)
    [updated] = cdc_events.wait_for(topic, op="u", key={"id": 2}, before={"total": 9.5}, timeout=20)
    assert updated.after == {"id": 2, "total": 12.0}
    assert updated.source is not None and updated.source["table"] == "orders"
    both = cdc_events.wait_for(topic, op=("c", "u"), after={"id": 2}, count=2, timeout=20)
    assert [e.op for e in both] == ["c", "u"]
    [big] = cdc_events.wait_for(topic, where=lambda e: (e.after or {}).get("total", 0) > 10, timeout=20)
    assert big.op == "u"


def test_reads_events_written_without_the_schema_envelope(cdc_events: CdcEvents, produce: Produce, topic: str) -> None:
    produce(topic, {"id": 7}, change("c", None, {"id": 7, "name": "plain"}), schemas=False)
    [event] = cdc_events.wait_for(topic, op="c", key={"id": 7}, timeout=20)
    assert event.after == {"id": 7, "name": "plain"}


def test_since_a_position_only_later_events_count(cdc_events: CdcEvents, produce: Produce, topic: str) -> None:
    produce(topic, {"id": 1}, change("c", None, {"id": 1}))
    mark = cdc_events.position(topic)
    assert mark == {0: 1}
    with pytest.raises(CdcEventsTimeout):
        cdc_events.wait_for(topic, op="c", after={"id": 1}, since=mark, timeout=1.5)
    produce(topic, {"id": 1}, change("u", {"id": 1}, {"id": 1, "total": 2}))
    [event] = cdc_events.wait_for(topic, after={"id": 1}, since=mark, timeout=20)
    assert (event.op, event.offset) == ("u", 1)


def test_a_timeout_fails_with_every_event_that_arrived(cdc_events: CdcEvents, produce: Produce, topic: str) -> None:
    produce(topic, {"id": 3}, change("c", None, {"id": 3, "total": 1.0}))
    produce(topic, {"id": 3}, change("d", {"id": 3, "total": 1.0}, None))
    produce(topic, {"id": 3}, None)  # Debezium's tombstone after a delete
    with pytest.raises(CdcEventsTimeout) as failure:
        cdc_events.wait_for(topic, op="u", key={"id": 3}, timeout=2)
    message = str(failure.value)
    assert f"waited 2 s for 1 event on topic {topic!r}" in message
    assert "matching op='u', key={'id': 3}" in message
    assert "0 matched, 3 events arrived" in message
    assert "0/0 op=c key={'id': 3} before=None after={'id': 3, 'total': 1.0}" in message
    assert "0/1 op=d key={'id': 3}" in message
    assert "0/2 tombstone key={'id': 3}" in message


def test_a_topic_that_never_appears_is_named_in_the_failure(cdc_events: CdcEvents, topic: str) -> None:
    with pytest.raises(CdcEventsTimeout, match="the topic does not exist"):
        cdc_events.wait_for(topic, op="c", timeout=1.5)


def test_unknown_operations_are_refused_before_waiting(cdc_events: CdcEvents, topic: str) -> None:
    with pytest.raises(ValueError, match="expected one of c, u, d, r, t, m"):
        cdc_events.wait_for(topic, op="insert")


def test_parses_keys_and_values_with_and_without_envelope_and_non_json() -> None:
    raw = json.dumps(envelope(change("c", None, {"id": 1}))).encode()
    event = change_event("t", 0, 5, json.dumps({"id": 1}).encode(), raw)
    assert (event.op, event.key, event.after) == ("c", {"id": 1}, {"id": 1})
    odd = change_event("t", 0, 6, None, b"\xff not json")
    assert odd.op is None and "not a Debezium change event" in odd.describe()
