"""docs/pytest-plugin.md's fixture table lists every fixture the plugin registers, with pytest's own scope,
and nothing else; plugin.py itself only registers (its functions are pytest hooks)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from cdc_test_infra import plugin

PAGE = Path(__file__).resolve().parents[2] / "docs" / "pytest-plugin.md"


def documented_fixtures() -> dict[str, str]:
    """`| \\`name\\` | scope | ...` rows of the page's fixture table: name -> scope."""
    return dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", PAGE.read_text(), re.MULTILINE))


def registered_fixtures(pytester: pytest.Pytester) -> dict[str, str]:
    """The plugin's fixtures as `pytest --fixtures` lists them (`name [session scope] -- file:line`), by the
    module that defines them: name -> scope."""
    result = pytester.runpytest("--fixtures")
    fixtures: dict[str, str] = {}
    module = None
    for line in result.outlines:
        header = re.match(r"^-+ fixtures defined from (\S+) -+$", line)
        if header:
            module = header.group(1)
            continue
        entry = re.match(r"^(\w+)(?: \[(\w+) scope\])? -- ", line)
        if entry and module is not None and module.startswith("cdc_test_infra."):
            fixtures[entry.group(1)] = entry.group(2) or "function"
    return fixtures


def test_the_table_lists_every_fixture_of_the_plugin_with_its_scope(pytester: pytest.Pytester) -> None:
    registered = registered_fixtures(pytester)
    assert "cdc_env" in registered, "pytest --fixtures did not list the plugin's fixtures: is the plugin installed?"
    assert documented_fixtures() == registered, f"update the fixture table in {PAGE}"


def test_the_plugin_module_defines_only_hooks() -> None:
    own = [name for name, f in inspect.getmembers(plugin, inspect.isfunction) if f.__module__ == plugin.__name__]
    assert own and all(name.startswith("pytest_") for name in own), own
