"""`ownstack env --profile NAME`: an AWS CLI / SDK profile for the running server, so that
`aws --profile NAME s3 ls` (or `AWS_PROFILE=NAME` for any SDK) reaches it with no environment.

The keys go to the shared credentials file (`~/.aws/credentials`, or $AWS_SHARED_CREDENTIALS_FILE;
mode 0600), `region` and `endpoint_url` (and `ca_bundle` for the generated HTTPS certificate) to
the config file (`~/.aws/config`, or $AWS_CONFIG_FILE). Only the profile's own keys change:
every other section, line and comment stays as it was (an edit of lines, not a configparser
round trip, which would drop comments). Each file is replaced atomically.

awscli v1 ignores a configured endpoint for SQS (awscli_plugin.py says why): when the aws CLI
found is v1 and runs in this Python environment, its plugin is added to the config's [plugins].
"""

from __future__ import annotations

import configparser
import os
import re
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from ownstack.awscli_plugin import PLUGIN_NAME
from ownstack.cli_aws import AwsCli, describe_aws, find_aws
from ownstack.cli_env import EXIT_NOT_FOUND, EnvFlags, ServerNotFound, Target, find_target
from ownstack.config import Config

PLUGIN_MODULE = "ownstack.awscli_plugin"
_SECTION = re.compile(r"^\s*\[([^\]]*)\]")
_KEY = re.compile(r"^([A-Za-z0-9_.-]+)\s*[=:]")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_.+@-]{1,64}$")


def profile_command(config: Config, flags: EnvFlags, name: str) -> int:
    if not _PROFILE_NAME.match(name):
        print(f"ownstack: {name!r} is not a profile name (letters, digits, _.+@-)", file=sys.stderr)
        return EXIT_NOT_FOUND
    try:
        target = find_target(config, flags)
        done = write_profile(name, target, os.environ)
    except (ServerNotFound, OSError, ValueError) as exc:
        print(f"ownstack: {exc}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if target.recorded is None:
        done.append(f"note: no server is running on {config.data_dir} (endpoint from its settings)")
    for line in done:
        print(f"ownstack: {line}", file=sys.stderr)
    return 0


def aws_files(env: Mapping[str, str]) -> tuple[Path, Path]:
    """The config and credentials files the aws CLI and the SDKs read."""
    config = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(config).expanduser(), Path(credentials).expanduser()


def write_profile(name: str, target: Target, env: Mapping[str, str]) -> list[str]:
    """Write the profile; the lines that say what was done (for stderr)."""
    config_path, credentials_path = aws_files(env)
    keys = {"aws_access_key_id": target.access_key, "aws_secret_access_key": target.secret_key}
    _edit(credentials_path, f"[{name}]", keys, keep_mode=False)
    header = "[default]" if name == "default" else f"[profile {name}]"
    settings = {
        "region": target.region,
        "endpoint_url": target.endpoint,
        "ca_bundle": target.ca_bundle,  # None removes one left by an HTTPS set-up
    }
    _edit(config_path, header, settings)
    done = [
        f"wrote profile {name!r}: keys in {credentials_path}, region and endpoint"
        f" {target.endpoint} in {config_path}"
    ]
    found = find_aws(env)
    aws = describe_aws(found) if found is not None else None
    if aws is not None and aws.major == 1:
        done.append(_v1_plugin(config_path, aws))
    return done


def _v1_plugin(config_path: Path, aws: AwsCli) -> str:
    if not aws.beside_us:
        return (
            f"note: {aws.path} is aws CLI v1, which ignores endpoint_url for SQS; use"
            " `ownstack aws sqs ...`, pass --endpoint-url, or install ownstack in its Python"
        )
    _edit(config_path, "[plugins]", {PLUGIN_NAME: PLUGIN_MODULE})
    return (
        f"added [plugins] {PLUGIN_NAME} = {PLUGIN_MODULE} to {config_path}: aws CLI v1 ignores"
        " endpoint_url for SQS without it (another aws CLI v1 that cannot import ownstack"
        " would fail to start: remove the line then)"
    )


def set_section(text: str, header: str, values: Mapping[str, str | None]) -> str:
    """`text` with the section `header` holding `values` (None: the key removed), every other
    line kept; the section is appended when absent."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    if start is None:
        body = [f"{key} = {value}" for key, value in values.items() if value is not None]
        if not body:
            return text
        gap = [""] if lines and lines[-1].strip() else []
        return "\n".join([*lines, *gap, header, *body]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if _SECTION.match(lines[i])), len(lines))
    kept, seen = _update_body(lines[start + 1 : end], values)
    added = [f"{k} = {v}" for k, v in values.items() if v is not None and k not in seen]
    while kept and not kept[-1].strip():  # new keys go after the last one, not a blank line
        kept.pop()
    trailing = [""] if end < len(lines) else []
    return "\n".join([*lines[: start + 1], *kept, *added, *trailing, *lines[end:]]) + "\n"


def _update_body(body: list[str], values: Mapping[str, str | None]) -> tuple[list[str], set[str]]:
    """The section's lines with the managed keys replaced (first occurrence) or dropped
    (later ones, None values), their indented continuation lines with them."""
    kept: list[str] = []
    seen: set[str] = set()
    skipping = False
    for line in body:
        if skipping and line[:1] in (" ", "\t") and line.strip():
            continue  # a continuation of a key being replaced
        skipping = False
        match = _KEY.match(line)
        if match is None or match.group(1) not in values:
            kept.append(line)
            continue
        key = match.group(1)
        skipping = True
        if key not in seen and values[key] is not None:
            kept.append(f"{key} = {values[key]}")
        seen.add(key)
    return kept, seen


def _edit(
    path: Path, header: str, values: Mapping[str, str | None], *, keep_mode: bool = True
) -> None:
    """Set the section in the file. A new file, and the credentials file always, are 0600.
    ValueError when the result would not parse (the file was not an ini file to begin with)."""
    path = path.resolve()  # a symlinked dotfile: edit its target, keep the link
    mode = 0o600
    try:
        text = path.read_text(encoding="utf-8")
        if keep_mode:
            mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        text = ""
    updated = set_section(text, header, values)
    try:
        configparser.ConfigParser(interpolation=None, strict=False).read_string(updated)
    except configparser.Error as exc:
        raise ValueError(f"{path} is not an AWS config file, left as it was: {exc}") from None
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(updated)
        os.chmod(tmp, mode)  # the umask narrowed what os.open was given
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
