"""Configuration: command line > environment > ownstack.yaml > defaults, plus the root
credentials and account id a data dir keeps, and engine discovery."""

from .accounts import AccountSpec, declared_accounts
from .credentials import Identity, find_identity, load_identity
from .engines import EngineError, find_engine
from .settings import (
    DEFAULT_BACKENDS,
    BackendSpec,
    Config,
    ConfigError,
    load_config,
)

__all__ = [
    "DEFAULT_BACKENDS",
    "AccountSpec",
    "BackendSpec",
    "Config",
    "ConfigError",
    "EngineError",
    "Identity",
    "declared_accounts",
    "find_engine",
    "find_identity",
    "load_config",
    "load_identity",
]
