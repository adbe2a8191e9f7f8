"""How Lambda keeps its resources in the metadata port. Existing data dirs depend on this
layout: change it with care (fields may be added with defaults; JsonRecord ignores unknown
ones).

Namespaces (keys; <fkey> is `<region>/<account>/<function name>`):
- FUNCTIONS   <fkey> -> FunctionRecord: $LATEST's configuration and everything unqualified
  (tags, resource policy, reserved concurrency, the version counter). Every write to any of a
  function's records also rewrites this one under compare-and-set, so concurrent changes to
  one function are serialised through it.
- VERSIONS    <fkey>/<version, 10 digits> -> VersionRecord (a published version: immutable
  configuration, its own resource policy).
- ALIASES     <fkey>/<alias> -> AliasRecord.
- INVOKE_CONFIGS  <fkey>/<qualifier> -> InvokeConfigRecord ($LATEST, a version or an alias).
- URLS        <fkey>/<qualifier> -> UrlRecord; URL_IDS <url id> -> `<fkey>/<qualifier>`.
- LAYERS      <region>/<account>/<layer>/<version, 10 digits> -> LayerVersionRecord;
  LAYER_NAMES <region>/<account>/<layer> -> LayerRecord (the next version: never reused).
Code and layer zips are blobs (CodeRecord.blob_id), in Lambda's own blob store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ownstack.core.records import JsonRecord

FUNCTIONS = "lambda:functions"
VERSIONS = "lambda:versions"
ALIASES = "lambda:aliases"
INVOKE_CONFIGS = "lambda:invoke-configs"
URLS = "lambda:urls"
URL_IDS = "lambda:url-ids"
LAYERS = "lambda:layers"
LAYER_NAMES = "lambda:layer-names"
KEYS = "lambda:keys"

PENDING = "Pending"
ACTIVE = "Active"
FAILED = "Failed"
IN_PROGRESS = "InProgress"
SUCCESSFUL = "Successful"


@dataclass(slots=True)
class CodeRecord:
    blob_id: str
    size: int
    """The zip's size (CodeSize)."""
    sha256: str
    """Base64 of the zip's SHA-256 (CodeSha256)."""
    unzipped: int = 0


@dataclass(slots=True)
class LayerUse:
    """A layer version a function configuration references, as it was when referenced."""

    arn: str
    code: CodeRecord


@dataclass(slots=True)
class FunctionConfig:
    """One version's configuration ($LATEST's changes; a published version's never do)."""

    runtime: str
    handler: str
    role: str
    code: CodeRecord
    description: str = ""
    timeout: int = 3
    memory: int = 128
    ephemeral: int = 512
    environment: dict[str, str] | None = None
    architecture: str = "x86_64"
    layers: list[LayerUse] = field(default_factory=list)
    tracing: str = "PassThrough"
    dead_letter: str = ""
    log_format: str = "Text"
    log_group: str = ""
    app_log_level: str = ""
    system_log_level: str = ""
    revision_id: str = ""
    last_modified: float = 0.0
    state: str = "Pending"
    state_reason: str = "The function is being created."
    state_code: str = "Creating"
    update_status: str = ""
    """$LATEST only, once it has been updated: InProgress, Successful or Failed."""
    update_reason: str = ""
    update_code: str = ""
    changed_at: float = 0.0
    """When state or update_status last became Pending/InProgress (to settle stale ones)."""
    config_id: str = ""
    """Changes with every change of what a published version would capture (not with state,
    policy or tags): PublishVersion publishes again only when it differs."""


@dataclass(slots=True)
class FunctionRecord(JsonRecord):
    name: str
    region: str
    account_id: str
    id: str
    """Unique per function ever created: a function deleted and created again is another."""
    created: float
    latest: FunctionConfig
    tags: dict[str, str] = field(default_factory=dict)
    policy: str = ""
    """The resource policy of the unqualified function ($LATEST), JSON text."""
    concurrency: int | None = None
    next_version: int = 1
    published_config: str = ""
    """config_id of $LATEST when the last version was published from it."""
    published_version: str = ""
    recursion: str = "Terminate"
    generation: int = 0
    """Bumped by every write of any of the function's records (see the module docstring)."""


@dataclass(slots=True)
class VersionRecord(JsonRecord):
    function_id: str
    version: str
    config: FunctionConfig
    policy: str = ""


@dataclass(slots=True)
class AliasRecord(JsonRecord):
    function_id: str
    name: str
    function_version: str
    description: str = ""
    weights: dict[str, float] = field(default_factory=dict)
    revision_id: str = ""
    policy: str = ""


@dataclass(slots=True)
class InvokeConfigRecord(JsonRecord):
    function_id: str
    qualifier: str
    last_modified: float
    max_retries: int | None = None
    max_age: int | None = None
    on_success: str = ""
    on_failure: str = ""


@dataclass(slots=True)
class UrlRecord(JsonRecord):
    function_id: str
    qualifier: str
    url_id: str
    url: str
    auth_type: str
    created: float
    modified: float
    cors: dict[str, object] | None = None
    invoke_mode: str = "BUFFERED"


@dataclass(slots=True)
class LayerRecord(JsonRecord):
    next_version: int = 1


@dataclass(slots=True)
class LayerVersionRecord(JsonRecord):
    name: str
    region: str
    account_id: str
    version: int
    code: CodeRecord
    created: float
    description: str = ""
    runtimes: list[str] = field(default_factory=list)
    architectures: list[str] = field(default_factory=list)
    license: str = ""
    statements: list[dict[str, object]] = field(default_factory=list)
    """AddLayerVersionPermission's statements, in order."""
    policy_revision: str = ""


@dataclass(slots=True)
class KeyRecord(JsonRecord):
    secret: str
    """Base64 of the key that signs code download links (Code.Location)."""


def version_key(fkey: str, version: str) -> str:
    return f"{fkey}/{int(version):010d}"


def child_key(fkey: str, name: str) -> str:
    return f"{fkey}/{name}"


def layer_key(region: str, account: str, name: str) -> str:
    return f"{region}/{account}/{name}"


def layer_version_key(region: str, account: str, name: str, version: int) -> str:
    return f"{layer_key(region, account, name)}/{version:010d}"
