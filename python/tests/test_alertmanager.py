"""alertmanager_client against a real AlertManager (API v2): every helper, and its errors."""
from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from cdc_test_infra.alertmanager import AlertmanagerClient, AlertmanagerError
from cdc_test_infra.env import CdcEnv

T = TypeVar("T")


def eventually(what: str, probe: Callable[[], T | None], seconds: float = 10.0) -> T:
    """AlertManager applies silences to alerts asynchronously: poll for the expected state."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds}s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def tag() -> str:
    """A label value unique to the test, so alerts of other tests never match."""
    return uuid.uuid4().hex


def test_get_status_shows_the_loaded_config(alertmanager_client: AlertmanagerClient) -> None:
    status = alertmanager_client.get_status()
    assert "route:" in status["config"]["original"]
    assert status["versionInfo"]["version"]


def test_post_alert_then_get_alerts_by_labels(alertmanager_client: AlertmanagerClient, tag: str) -> None:
    alertmanager_client.post_alert({"alertname": "CdcLag", "service": "binlog-reader", "tag": tag}, {"summary": "lag above 5 min"})
    alertmanager_client.post_alert({"alertname": "CdcLag", "service": "delta-writer", "tag": tag})
    alerts = alertmanager_client.get_alerts({"alertname": "CdcLag", "service": "binlog-reader", "tag": tag})
    assert [a["labels"]["service"] for a in alerts] == ["binlog-reader"]
    assert alerts[0]["annotations"] == {"summary": "lag above 5 min"}
    assert alerts[0]["status"]["state"] == "active"
    assert sorted(a["labels"]["service"] for a in alertmanager_client.get_alerts({"tag": tag})) == ["binlog-reader", "delta-writer"]


def test_post_alerts_takes_several_and_label_values_are_quoted(alertmanager_client: AlertmanagerClient, tag: str) -> None:
    odd = 'a "quoted", value\\'
    alertmanager_client.post_alerts([
        {"labels": {"alertname": "CdcBatch", "tag": tag, "detail": odd}},
        {"labels": {"alertname": "CdcBatch", "tag": tag, "detail": "plain"}},
    ])
    assert [a["labels"]["detail"] for a in alertmanager_client.get_alerts({"tag": tag, "detail": odd})] == [odd]
    assert len(alertmanager_client.get_alerts({"alertname": "CdcBatch", "tag": tag})) == 2


def test_post_silence_silences_then_delete_silence_expires_it(alertmanager_client: AlertmanagerClient, tag: str) -> None:
    am = alertmanager_client
    am.post_alerts([{"labels": {"alertname": "CdcSilenced", "tag": tag, "service": s}} for s in ("mysql", "spark")])
    silence_id = am.post_silence({"tag": tag, "service": "mysql"}, duration=timedelta(minutes=10), comment="maintenance")
    assert len(silence_id) == 36
    assert am.get_silence(silence_id)["status"]["state"] == "active"

    def silenced() -> list[dict[str, Any]] | None:
        found = am.get_alerts({"tag": tag}, silenced=True, active=False)
        return found or None

    assert [a["labels"]["service"] for a in eventually("the mysql alert silenced", silenced)] == ["mysql"]
    assert [a["labels"]["service"] for a in am.get_alerts({"tag": tag}, silenced=False)] == ["spark"]
    assert eventually("the silence listed", silenced)[0]["status"]["silencedBy"] == [silence_id]

    am.delete_silence(silence_id)
    assert am.get_silence(silence_id)["status"]["state"] == "expired"
    eventually("the mysql alert active again", lambda: am.get_alerts({"tag": tag, "service": "mysql"}, active=True) or None)


def test_regex_silence(alertmanager_client: AlertmanagerClient, tag: str) -> None:
    silence_id = alertmanager_client.post_silence({"tag": tag, "service": "delta-.*"}, regex=True)
    matchers = alertmanager_client.get_silence(silence_id)["matchers"]
    assert {(m["name"], m["value"], m["isRegex"]) for m in matchers} == {("tag", tag, True), ("service", "delta-.*", True)}
    alertmanager_client.delete_silence(silence_id)


def test_a_refused_request_names_the_endpoint_and_the_status(alertmanager_client: AlertmanagerClient, cdc_env: CdcEnv) -> None:
    with pytest.raises(AlertmanagerError) as refused:
        alertmanager_client.post_alert({})
    assert refused.value.status == 400
    assert str(refused.value).startswith(f"AlertManager POST {cdc_env['alertmanagerUrl']}/api/v2/alerts: HTTP 400: ")

    unknown = str(uuid.uuid4())
    with pytest.raises(AlertmanagerError) as missing:
        alertmanager_client.get_silence(unknown)
    assert missing.value.status == 404
    assert f"GET {cdc_env['alertmanagerUrl']}/api/v2/silence/{unknown}: HTTP 404" in str(missing.value)

    with pytest.raises(AlertmanagerError) as bad_filter:
        alertmanager_client._request("GET", "/alerts", [("filter", "not a matcher")])
    assert bad_filter.value.status == 400


def test_post_silence_needs_a_matcher(alertmanager_client: AlertmanagerClient) -> None:
    with pytest.raises(ValueError, match="at least one matcher"):
        alertmanager_client.post_silence({})


def test_no_server_is_named_with_its_address() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AlertmanagerError) as err:
        AlertmanagerClient(f"http://127.0.0.1:{port}", timeout_seconds=2).get_status()
    assert err.value.status is None
    assert str(err.value).startswith(f"AlertManager GET http://127.0.0.1:{port}/api/v2/status: no answer: ")
