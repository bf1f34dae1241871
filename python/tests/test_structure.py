"""The package's modules import without a loop: fixture modules take their helpers from stack.py, and
plugin.py (which registers them) keeps the helpers' names importable."""
from __future__ import annotations

import subprocess
import sys

import pytest

from cdc_test_infra import plugin, stack

FIXTURE_MODULES = ["alertmanager", "jdbc", "kafka", "mysql", "postgres", "spark"]


@pytest.mark.parametrize("module", FIXTURE_MODULES)
def test_a_fixture_module_imports_alone_without_the_plugin(module: str) -> None:
    code = f"import sys, cdc_test_infra.{module}; assert 'cdc_test_infra.plugin' not in sys.modules, 'imported the plugin'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_plugin_keeps_the_helpers_importable() -> None:
    assert plugin.stack_values is stack.stack_values
    assert plugin.unavailable is stack.unavailable
    assert plugin.REQUIRE_VARIABLE == stack.REQUIRE_VARIABLE == "CDC_REQUIRE_E2E"
