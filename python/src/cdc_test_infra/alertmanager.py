"""AlertManager API v2 for the pipeline's tests: the helpers they call, over the standard library's urllib."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from .env import CdcEnv
from .stack import stack_values

API = "/api/v2"


class AlertmanagerError(RuntimeError):
    """A request AlertManager refused or did not answer: names the operation, endpoint and HTTP status."""

    def __init__(self, method: str, url: str, status: int | None, detail: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail
        answer = f"HTTP {status}" if status is not None else "no answer"
        super().__init__(f"AlertManager {method} {url}: {answer}: {detail}")


def _timestamp(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AlertmanagerClient:
    """The stack's AlertManager (API v2 only; v1 is gone since 0.27)."""

    def __init__(self, base_url: str, timeout_seconds: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_seconds = timeout_seconds

    def _request(self, method: str, path: str, query: Sequence[tuple[str, str]] = (), body: Any = None) -> Any:
        url = f"{self.base_url}{API}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as err:
            raise AlertmanagerError(method, url, err.code, err.read().decode(errors="replace").strip() or err.reason) from None
        except (urllib.error.URLError, OSError) as err:
            raise AlertmanagerError(method, url, None, str(getattr(err, "reason", err))) from None
        return json.loads(text) if text.strip() else None

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """Posts alerts as the API takes them: {"labels": {...}, "annotations": {...}, "startsAt": ..., ...}."""
        self._request("POST", "/alerts", body=list(alerts))

    def post_alert(
        self,
        labels: Mapping[str, str],
        annotations: Mapping[str, str] | None = None,
        *,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
        generator_url: str | None = None,
    ) -> None:
        alert: dict[str, Any] = {"labels": dict(labels), "annotations": dict(annotations or {})}
        if starts_at is not None:
            alert["startsAt"] = _timestamp(starts_at)
        if ends_at is not None:
            alert["endsAt"] = _timestamp(ends_at)
        if generator_url is not None:
            alert["generatorURL"] = generator_url
        self.post_alerts([alert])

    def get_alerts(
        self,
        labels: Mapping[str, str] | None = None,
        *,
        active: bool | None = None,
        silenced: bool | None = None,
        inhibited: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Alerts whose labels equal every given label value; optionally only (not) active/silenced/inhibited ones."""
        query = [("filter", f"{name}={_quoted(value)}") for name, value in (labels or {}).items()]
        for name, flag in (("active", active), ("silenced", silenced), ("inhibited", inhibited)):
            if flag is not None:
                query.append((name, str(flag).lower()))
        alerts: list[dict[str, Any]] = self._request("GET", "/alerts", query)
        return alerts

    def post_silence(
        self,
        matchers: Mapping[str, str],
        *,
        duration: timedelta = timedelta(hours=1),
        created_by: str = "cdc-test-infra",
        comment: str = "silenced by a test",
        regex: bool = False,
    ) -> str:
        """Silences alerts whose labels match (exactly, or as regular expressions); returns the silence id."""
        if not matchers:
            raise ValueError("post_silence: at least one matcher is required")
        now = datetime.now(timezone.utc)
        body = {
            "matchers": [{"name": n, "value": v, "isRegex": regex, "isEqual": True} for n, v in matchers.items()],
            "startsAt": _timestamp(now),
            "endsAt": _timestamp(now + duration),
            "createdBy": created_by,
            "comment": comment,
        }
        answer: dict[str, str] = self._request("POST", "/silences", body=body)
        return answer["silenceID"]

    def get_silence(self, silence_id: str) -> dict[str, Any]:
        silence: dict[str, Any] = self._request("GET", f"/silence/{urllib.parse.quote(silence_id)}")
        return silence

    def delete_silence(self, silence_id: str) -> None:
        """Expires the silence (AlertManager keeps listing it, state "expired")."""
        self._request("DELETE", f"/silence/{urllib.parse.quote(silence_id)}")

    def get_status(self) -> dict[str, Any]:
        status: dict[str, Any] = self._request("GET", "/status")
        return status


@pytest.fixture(scope="session")
def alertmanager_client(cdc_env: CdcEnv) -> AlertmanagerClient:
    """A client of the stack's AlertManager."""
    (url,) = stack_values(cdc_env, "alertmanagerUrl")
    return AlertmanagerClient(url)
