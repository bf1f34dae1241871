"""pytest fixtures for tests against a cdc-test-infra stack (see the repository README)."""
from .env import CdcEnv, MissingStackVariables, load_cdc_env

__all__ = ["CdcEnv", "MissingStackVariables", "load_cdc_env"]
