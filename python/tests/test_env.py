"""The env lines' parser and the skip/fail rule, without a stack."""
from __future__ import annotations

import pytest

from cdc_test_infra.env import ENV_FILE_VARIABLE, ENV_KEYS, MissingStackVariables, load_cdc_env, parse_env_lines


def test_parses_lines_as_a_shell_sources_them() -> None:
    text = "A=plain\nB='it'\\''s quoted'\n\n# comment\nC=\n"
    assert parse_env_lines(text) == {"A": "plain", "B": "it's quoted", "C": ""}


def test_rejects_a_line_that_is_not_key_value() -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_env_lines("just words here\n")


def test_reads_the_file_named_by_the_variable(tmp_path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text(f"{ENV_KEYS['mysqlPort']}=3307\n")
    env = load_cdc_env({ENV_FILE_VARIABLE: str(env_file), ENV_KEYS["mysqlPort"]: "9"})
    assert env["mysqlPort"] == "3307"


def test_missing_variables_are_named_with_their_source() -> None:
    env = load_cdc_env({ENV_KEYS["mysqlHost"]: "127.0.0.1"})
    with pytest.raises(MissingStackVariables) as err:
        env.require("mysqlHost", "mysqlPort", "sparkMasterUrl")
    assert ENV_KEYS["mysqlPort"] in str(err.value) and ENV_KEYS["sparkMasterUrl"] in str(err.value)
    assert ENV_KEYS["mysqlHost"] not in str(err.value)
    assert "the environment" in str(err.value)
