"""The stack's endpoints, read from the KEY=value lines the Pulumi program writes (its `testEnv` output).

The variable names come from env_keys.json, the file the program itself writes its lines from
(lib/testEnv.ts), so the two cannot drift apart.
"""
from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

#: Names a file of KEY=value lines (`pulumi stack output testEnv --show-secrets > .env.cdc`).
ENV_FILE_VARIABLE = "CDC_ENV_FILE"

#: Endpoint name (as the program's outputs call it) -> environment variable.
ENV_KEYS: Mapping[str, str] = json.loads(
    resources.files(__package__).joinpath("env_keys.json").read_text(encoding="utf-8")
)


class MissingStackVariables(LookupError):
    """Endpoints the stack did not provide: names the variables and where they were looked for."""


def parse_env_lines(text: str) -> dict[str, str]:
    """Parses `KEY=value` lines as a POSIX shell sources them (values may be single-quoted)."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if len(words) != 1 or "=" not in words[0]:
            raise ValueError(f"line {number}: expected KEY=value, got {line!r}")
        key, value = words[0].split("=", 1)
        values[key] = value
    return values


@dataclass(frozen=True)
class CdcEnv:
    """The stack's endpoints by name (`sparkMasterUrl`, `mysqlPort`, ...); see ENV_KEYS."""

    variables: Mapping[str, str]
    source: str

    def get(self, name: str) -> str | None:
        value = self.variables.get(ENV_KEYS[name])
        return value if value else None

    def require(self, *names: str) -> tuple[str, ...]:
        """The values of `names`, or MissingStackVariables naming every absent variable."""
        missing = [ENV_KEYS[n] for n in names if self.get(n) is None]
        if missing:
            raise MissingStackVariables(
                f"stack variable{'s' if len(missing) > 1 else ''} {', '.join(missing)} not set in {self.source}"
                " (bring a stack up and export its testEnv lines, see the README)"
            )
        return tuple(self.variables[ENV_KEYS[n]] for n in names)

    def __getitem__(self, name: str) -> str:
        return self.require(name)[0]


def load_cdc_env(environ: Mapping[str, str] = os.environ) -> CdcEnv:
    """From the file named by CDC_ENV_FILE when set, else from the process environment."""
    path = environ.get(ENV_FILE_VARIABLE)
    if path:
        with open(path, encoding="utf-8") as f:
            return CdcEnv(parse_env_lines(f.read()), f"{ENV_FILE_VARIABLE}={path}")
    return CdcEnv(dict(environ), "the environment")
