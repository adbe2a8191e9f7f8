"""Shared by the SQS tests: servers per queue engine, boto3 clients per wire protocol.

A client speaks AWS JSON 1.0 (botocore's current SQS model) or the query protocol (the same
model with our patch applied and `protocol: query`, served to botocore from a temporary data
directory ahead of its own), so every test runs over both.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.loaders import Loader

from ownstack.config import DEFAULT_BACKENDS
from ownstack.wire.services import deep_merge, load_patch

PROTOCOLS = ("json", "query")
DEFAULT_ENGINE = DEFAULT_BACKENDS["queue"]
"""The queue engine a server uses unless configured otherwise (sqlite, the embedded default)."""
_SESSION_LOCK = threading.Lock()


def _root_conftest() -> Any:
    """tests/conftest.py as a module (its name, conftest, is this directory's conftest's too)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("ownstack_root_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def engine_config_yaml(data: Path, engine: str) -> str:
    """ownstack.yaml backing the queue port with `engine` (the other ports keep their
    defaults); postgres gets a schema of its own, dropped at exit."""
    from conformance import kit  # type: ignore[import-not-found]

    spec: dict[str, Any] = {"engine": engine}
    if engine == "postgres":
        spec.update(kit.postgres_options(data))
    # JSON is YAML: the spec is written as a flow mapping.
    return f"backends: {{queue: {json.dumps(spec)}}}\n"


def start_engine_server(data: Path, engine: str) -> Any:
    """A server whose queue port is `engine`'s."""
    data.mkdir(parents=True, exist_ok=True)
    (data / "ownstack.yaml").write_text(engine_config_yaml(data, engine))
    return _ROOT.start_server(data)


def queue_engines() -> list[Any]:
    """The engines providing the queue port, as pytest params (the conformance kit's list:
    postgres is skipped when no server is reachable)."""
    from conformance import kit

    engines: list[Any] = kit.backends_for("queue")
    return engines


def write_query_model(root: Path) -> Path:
    """botocore's SQS model with our patch, speaking query, as a botocore data directory."""
    loader = Loader()
    model: dict[str, Any] = loader.load_service_model("sqs", "service-2")
    patch = load_patch("sqs")
    if patch is not None:
        deep_merge(model, patch)
    _query_era_names(model)
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    version = model["metadata"]["apiVersion"]
    target = root / "sqs" / version
    target.mkdir(parents=True, exist_ok=True)
    (target / "service-2.json").write_text(json.dumps(model))
    return root


def _query_era_names(model: dict[str, Any]) -> None:
    """What the query-era model said and botocore's query code reads: members named by their
    historical names (our patch keeps them as queryName), lists and maps flattened."""
    for shape in model["shapes"].values():
        if shape["type"] == "list" and "locationName" in shape["member"]:
            shape["flattened"] = True
        if shape["type"] == "map" and "locationName" in shape["key"]:
            shape["flattened"] = True
        for member in shape.get("members", {}).values():
            if "queryName" in member:
                member["locationName"] = member["queryName"]


@functools.cache
def _session(protocol: str, query_models: Path) -> Any:
    """One boto3 Session per protocol in this process (a new one costs ~150 ms of CPU a client,
    see tests/ownserver.py); the query one finds our query model ahead of botocore's, so it
    must never have loaded the JSON one (its loader caches what it read)."""
    session = boto3.session.Session()
    if protocol == "query":
        loader = session._session.get_component("data_loader")
        loader.search_paths.insert(0, str(query_models))
    return session


def sqs_client(server: Any, protocol: str, query_models: Path, **config: Any) -> Any:
    cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, **config)
    with _SESSION_LOCK:  # botocore's Session is not thread-safe
        client = _session(protocol, query_models).client(
            "sqs",
            endpoint_url=server.endpoint,
            aws_access_key_id=server.access_key,
            aws_secret_access_key=server.secret_key,
            region_name=server.region,
            config=cfg,
        )
    assert client.meta.service_model.protocol == protocol
    return client


def error_of(exc: Any) -> tuple[str, str, int]:
    """(code, message, HTTP status) of a pytest.raises(ClientError) result."""
    err = exc.value.response["Error"]
    return err["Code"], err["Message"], exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


def unique(prefix: str = "q") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


_ROOT = _root_conftest()
