"""Debezium change events from the stack's Kafka, read from the host: the `cdc_events` fixture.

    def test_insert_is_captured(cdc_events, db):
        db.execute("INSERT INTO orders (id, total) VALUES (1, 9.5)")
        [event] = cdc_events.wait_for("cdc.cdc_test.orders", op="c", after={"id": 1})
        assert event.after["total"] == 9.5

Values are Debezium's JSON envelope, with or without schemas (`{"schema": ..., "payload": {...}}` or
the payload alone). A wait that times out fails the test with every event that did arrive.
"""
from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from .env import CdcEnv
from .stack import stack_values

#: Debezium's operations: create, update, delete, read (snapshot), truncate, message.
OPERATIONS = ("c", "u", "d", "r", "t", "m")

#: Events listed in a timeout message (the latest ones).
LISTED_EVENTS = 20


def _unwrap(decoded: Any) -> Any:
    """The payload of the JSON converter's schema envelope, or the value itself (schemas disabled)."""
    if isinstance(decoded, dict) and set(decoded) == {"schema", "payload"}:
        return decoded["payload"]
    return decoded


def _decode(raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return _unwrap(json.loads(raw))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw


@dataclass(frozen=True)
class ChangeEvent:
    """One record of a change topic, its value's Debezium payload taken apart."""

    topic: str
    partition: int
    offset: int
    #: The row's key (e.g. {"id": 1}), the schema envelope removed; None for keyless tables.
    key: Any
    #: The whole payload; None for a tombstone (the record after a delete).
    payload: Any

    @property
    def op(self) -> str | None:
        return self.payload.get("op") if isinstance(self.payload, dict) else None

    @property
    def before(self) -> dict[str, Any] | None:
        return self.payload.get("before") if isinstance(self.payload, dict) else None

    @property
    def after(self) -> dict[str, Any] | None:
        return self.payload.get("after") if isinstance(self.payload, dict) else None

    @property
    def source(self) -> dict[str, Any] | None:
        return self.payload.get("source") if isinstance(self.payload, dict) else None

    def describe(self) -> str:
        where = f"{self.partition}/{self.offset}"
        if self.payload is None:
            return f"{where} tombstone key={self.key!r}"
        if self.op is None:
            return f"{where} not a Debezium change event: {self.payload!r:.200}"
        return f"{where} op={self.op} key={self.key!r} before={self.before!r} after={self.after!r}"


def change_event(topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None) -> ChangeEvent:
    """A ChangeEvent from a record's raw key and value (JSON, with or without the schema envelope)."""
    return ChangeEvent(topic, partition, offset, _decode(key), _decode(value))


def _contains(row: Any, expected: Mapping[str, Any]) -> bool:
    return isinstance(row, dict) and all(k in row and row[k] == v for k, v in expected.items())


@dataclass(frozen=True)
class EventFilter:
    """What an awaited event must show; every given part must hold. Dicts match as subsets."""

    op: str | Collection[str] | None = None
    key: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    before: Mapping[str, Any] | None = None
    where: Callable[[ChangeEvent], bool] | None = None

    def __post_init__(self) -> None:
        ops = [self.op] if isinstance(self.op, str) else list(self.op or [])
        unknown = [o for o in ops if o not in OPERATIONS]
        if unknown:
            raise ValueError(f"op {unknown!r}: expected one of {', '.join(OPERATIONS)}")

    def matches(self, event: ChangeEvent) -> bool:
        if event.op is None:
            return False
        if self.op is not None and event.op not in ([self.op] if isinstance(self.op, str) else self.op):
            return False
        if self.key is not None and not _contains(event.key, self.key):
            return False
        if self.after is not None and not _contains(event.after, self.after):
            return False
        if self.before is not None and not _contains(event.before, self.before):
            return False
        return self.where is None or self.where(event)

    def describe(self) -> str:
        parts = [f"{name}={value!r}" for name, value in
                 (("op", self.op), ("key", self.key), ("after", self.after), ("before", self.before)) if value is not None]
        if self.where is not None:
            parts.append(f"where={getattr(self.where, '__name__', 'predicate')}")
        return ", ".join(parts) or "any change event"


class CdcEventsTimeout(AssertionError):
    """No (or too few) matching events in time; the message lists what did arrive."""


#: Where reading starts: partition -> offset; from `CdcEvents.position`.
Position = Mapping[int, int]


class CdcEvents:
    """Reads change topics from the host listener (`CDC_KAFKA_BOOTSTRAP_SERVERS`), without a consumer group."""

    def __init__(self, bootstrap_servers: str, poll_interval: float = 0.2) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.poll_interval = poll_interval
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap_servers,
            # Partitions are assigned, never subscribed: the group is never joined nor committed.
            "group.id": f"cdc-events-{uuid.uuid4().hex[:12]}",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
            "allow.auto.create.topics": False,
        })

    def close(self) -> None:
        self._consumer.close()

    def _partitions(self, topic: str, timeout: float) -> list[int] | None:
        """The topic's partitions, or None while it does not exist (Debezium creates it with the first event)."""
        metadata = self._consumer.list_topics(topic, timeout=max(timeout, 0.5))
        found = metadata.topics.get(topic)
        if found is None or found.error is not None or not found.partitions:
            return None
        return sorted(found.partitions)

    def position(self, topic: str, timeout: float = 10.0) -> Position:
        """The topic's end offsets now: pass as `since=` to wait only for events written after this call.
        A topic that does not exist yet gives {}: then every event counts."""
        partitions = self._partitions(topic, timeout) or []
        return {p: self._consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1] for p in partitions}

    def wait_for(
        self,
        topic: str,
        *,
        op: str | Collection[str] | None = None,
        key: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        before: Mapping[str, Any] | None = None,
        where: Callable[[ChangeEvent], bool] | None = None,
        count: int = 1,
        timeout: float = 30.0,
        since: Position | None = None,
    ) -> list[ChangeEvent]:
        """The first `count` events of `topic` matching every given condition, read from the beginning
        (or from `since`); waits up to `timeout` seconds, then raises CdcEventsTimeout listing what arrived."""
        wanted = EventFilter(op=op, key=key, after=after, before=before, where=where)
        if count < 1:
            raise ValueError(f"count={count}: expected 1 or more")
        deadline = time.monotonic() + timeout
        seen: list[ChangeEvent] = []
        matched: list[ChangeEvent] = []
        assigned = False
        try:
            while time.monotonic() < deadline:
                if not assigned:
                    partitions = self._partitions(topic, min(1.0, deadline - time.monotonic()))
                    if partitions is None:
                        time.sleep(self.poll_interval)
                        continue
                    starts = since or {}
                    self._consumer.assign([TopicPartition(topic, p, starts.get(p, OFFSET_BEGINNING)) for p in partitions])
                    assigned = True
                record = self._consumer.poll(min(self.poll_interval, max(deadline - time.monotonic(), 0)))
                if record is None:
                    continue
                error = record.error()
                if error is not None:
                    if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                        continue
                    raise KafkaException(error)
                event = change_event(topic, record.partition() or 0, record.offset() or 0, record.key(), record.value())
                seen.append(event)
                if wanted.matches(event):
                    matched.append(event)
                    if len(matched) == count:
                        return matched
        finally:
            if assigned:
                self._consumer.unassign()
        raise CdcEventsTimeout(self._timeout_message(topic, wanted, count, timeout, seen, matched, assigned))

    def _timeout_message(self, topic: str, wanted: EventFilter, count: int, timeout: float,
                         seen: list[ChangeEvent], matched: list[ChangeEvent], assigned: bool) -> str:
        head = (f"waited {timeout:g} s for {count} event{'s' if count > 1 else ''} on topic {topic!r} "
                f"(at {self.bootstrap_servers}) matching {wanted.describe()}: ")
        if not assigned:
            return head + "the topic does not exist (no change captured yet, or another topic name: <prefix>.<database>.<table>)"
        lines = [f"{len(matched)} matched, {len(seen)} event{'' if len(seen) == 1 else 's'} arrived"]
        if len(seen) > LISTED_EVENTS:
            lines.append(f"  (the last {LISTED_EVENTS} shown)")
        lines.extend(f"  {e.describe()}" for e in seen[-LISTED_EVENTS:])
        return head + "\n".join(lines)


@pytest.fixture
def cdc_events(cdc_env: CdcEnv) -> Iterator[CdcEvents]:
    """Change events of the stack's Kafka (`CDC_KAFKA_BOOTSTRAP_SERVERS`); see CdcEvents.wait_for."""
    (bootstrap,) = stack_values(cdc_env, "kafkaBootstrapServers")
    events = CdcEvents(bootstrap)
    try:
        yield events
    finally:
        events.close()
