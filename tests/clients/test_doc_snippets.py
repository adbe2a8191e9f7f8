"""The configuration snippets of docs/clients/*.md and docs/migrating-from-moto.md, run with the
real tools against a real server, so the pages cannot rot.

How a page marks a block for testing, and which placeholders are substituted, is in
tests/docsnippets.py (an HTML comment `<!-- snippet: NAME -->` right above the fence).
EXPECTED below lists every marked block of every page, and each is run by one test here: a
block marked but not run, or run but no longer marked, fails `test_every_marked_snippet_runs`.

Shell snippets run under `bash -e` with HOME in a temp dir (so `~/.aws/config`, `~/.s3cfg` and
rclone's config are the test's own), the venv's `ownstack` and `aws` first on PATH, and
OWNSTACK_DATA / OWNSTACK_PORT naming the module's server, so `eval "$(ownstack env)"` works as
it does for a user. One server serves the module; each page uses bucket and queue names of
its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clientkit import bucket_keys, clean_env, run_tool, tool_path

from docsnippets import Snippet, fill, snippets
from ownserver import ServerHandle

pytestmark = pytest.mark.clients

EXPECTED = {
    "clients/aws-cli.md": {"env", "config", "credentials", "profile-use"},
    "clients/boto3.md": {"from-env", "explicit"},
    "clients/js-sdk-v3.md": {"s3", "sqs"},
    "clients/rclone.md": {"config", "use"},
    "clients/s3cmd.md": {"config", "use"},
    "clients/s3fs.md": {"passwd", "mount", "python"},
    "migrating-from-moto.md": {"conftest", "test-example"},
}
VENV_BIN = Path(sys.executable).parent
JS_DIR = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def docs_server(
    launch_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerHandle]:
    """Keys generated and kept in the data dir, as for a user, so `ownstack env` finds them."""
    handle: ServerHandle = launch_server(
        tmp_path_factory.mktemp("docsnippets") / "data", fixed_credentials=False
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def s3(docs_server: ServerHandle) -> Any:
    return docs_server.client("s3")


def snippet(page: str, name: str) -> Snippet:
    return snippets(page)[name]


def user_env(server: ServerHandle, home: Path) -> dict[str, str]:
    """A user's shell: their own HOME, the venv's tools first, the server's data dir known (and
    none of the developer's OWNSTACK_* or XDG settings)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in clean_env().items()
        if not k.startswith(("OWNSTACK_", "XDG_CONFIG_", "XDG_DATA_"))
    }
    env.update(
        HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        OWNSTACK_DATA=str(server.data_dir),
        OWNSTACK_PORT=str(server.port),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
    )
    return env


def run_sh(text: str, env: dict[str, str], cwd: Path) -> str:
    cwd.mkdir(parents=True, exist_ok=True)
    return run_tool(["bash", "-e", "-o", "pipefail", "-c", text], env, cwd=cwd).stdout


def write_config(home: Path, relative: str, text: str) -> Path:
    path = home / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def object_bytes(s3: Any, bucket: str, key: str) -> bytes:
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def queue_bodies(server: ServerHandle, name: str) -> list[str]:
    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [m["Body"] for m in got.get("Messages", [])]


def test_every_marked_snippet_runs() -> None:
    found = {page: set(snippets(page)) for page in EXPECTED}
    assert found == EXPECTED


# --- aws CLI -------------------------------------------------------------------------------


def test_aws_cli_from_the_environment(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    tool_path("aws")
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("notes for the aws CLI\n")
    env = user_env(docs_server, tmp_path / "home")
    out = run_sh(snippet("clients/aws-cli.md", "env").text, env, work)
    assert object_bytes(s3, "cli-demo", "notes.txt") == b"notes for the aws CLI\n"
    assert "notes.txt" in out
    queue = docs_server.client("sqs").get_queue_url(QueueName="cli-jobs")["QueueUrl"]
    assert queue == f"{docs_server.endpoint}/{docs_server.account_id}/cli-jobs"


def test_aws_cli_profile(docs_server: ServerHandle, tmp_path: Path) -> None:
    tool_path("aws")
    home = tmp_path / "home"
    page = "clients/aws-cli.md"
    write_config(home, ".aws/config", fill(snippet(page, "config").text, docs_server))
    write_config(home, ".aws/credentials", fill(snippet(page, "credentials").text, docs_server))
    use = fill(snippet(page, "profile-use").text, docs_server)
    out = run_sh(use, user_env(docs_server, home), tmp_path / "work")
    assert "cli-profile-demo" in out  # `aws s3 ls` listed the new bucket
    topics = docs_server.client("sns").list_topics()["Topics"]
    assert {"TopicArn": f"arn:aws:sns:us-east-1:{docs_server.account_id}:cli-events"} in topics
    assert docs_server.client("sqs").get_queue_url(QueueName="cli-profile-jobs")["QueueUrl"]


# --- boto3 ---------------------------------------------------------------------------------


def run_python(code: str, env: dict[str, str], cwd: Path, *, shell_prefix: str = "") -> str:
    """Run `code` as a script with the venv's python (after `shell_prefix`, a shell line)."""
    cwd.mkdir(parents=True, exist_ok=True)
    script = cwd / "snippet.py"
    script.write_text(code)
    command = f'{shell_prefix}\nexec "{sys.executable}" snippet.py'
    return run_sh(command, env, cwd)


def test_boto3_from_the_environment(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    code = snippet("clients/boto3.md", "from-env").text
    env = user_env(docs_server, tmp_path / "home")
    out = run_python(code, env, tmp_path / "work", shell_prefix='eval "$(ownstack env)"')
    assert out.strip() == "b'hello from boto3'"
    assert object_bytes(s3, "boto3-demo", "hello.txt") == b"hello from boto3"
    assert queue_bodies(docs_server, "boto3-jobs") == ["job 1"]


def test_boto3_explicit_settings(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    report = b"id,total\n1,42\n" * 1000
    (work / "report.csv").write_bytes(report)
    code = fill(snippet("clients/boto3.md", "explicit").text, docs_server)
    out = run_python(code, user_env(docs_server, tmp_path / "home"), work).splitlines()
    url, item = out
    assert url.startswith(f"{docs_server.endpoint}/boto3-explicit/reports/report.csv?")
    with urllib.request.urlopen(url, timeout=10) as resp:  # the presigned GET, unsigned client
        assert resp.read() == report
    assert item == "{'id': 'u1', 'name': 'Ada'}"


# --- JS SDK v3 -----------------------------------------------------------------------------


def run_node(code: str, env: dict[str, str], work: Path) -> str:
    node = tool_path("node")
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-sqs").is_dir():
        pytest.skip("JS SDK missing: `npm install` in tests/clients/js (.ci/ensure-tools does)")
    work.mkdir(parents=True, exist_ok=True)
    # ES modules resolve packages from the script's own directory upwards.
    (work / "node_modules").symlink_to(JS_DIR / "node_modules", target_is_directory=True)
    (work / "snippet.mjs").write_text(code)
    return run_tool([node, "snippet.mjs"], env, cwd=work).stdout


def test_js_sdk_s3(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    code = fill(snippet("clients/js-sdk-v3.md", "s3").text, docs_server)
    out = run_node(code, clean_env(), tmp_path / "work")
    assert out == "hello from JS\n"
    assert object_bytes(s3, "js-demo", "hello.txt") == b"hello from JS"


def test_js_sdk_sqs_keys_from_the_environment(docs_server: ServerHandle, tmp_path: Path) -> None:
    code = fill(snippet("clients/js-sdk-v3.md", "sqs").text, docs_server)
    env = clean_env(
        AWS_ACCESS_KEY_ID=docs_server.access_key, AWS_SECRET_ACCESS_KEY=docs_server.secret_key
    )
    assert run_node(code, env, tmp_path / "work") == "job 1\n"


# --- rclone, s3cmd -------------------------------------------------------------------------


def test_rclone(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    tool_path("rclone")
    home, work = tmp_path / "home", tmp_path / "work"
    config = fill(snippet("clients/rclone.md", "config").text, docs_server)
    write_config(home, ".config/rclone/rclone.conf", config)
    photos = {"cat.jpg": os.urandom(3000), "trip/beach.jpg": os.urandom(70_000)}
    for name, data in photos.items():
        write_config(work, f"photos/{name}", "").write_bytes(data)
    out = run_sh(snippet("clients/rclone.md", "use").text, user_env(docs_server, home), work)
    assert "photos/trip/beach.jpg" in out
    assert bucket_keys(s3, "rclone-demo") == {
        f"photos/{name}": len(data) for name, data in photos.items()
    }
    assert object_bytes(s3, "rclone-demo", "photos/trip/beach.jpg") == photos["trip/beach.jpg"]


def test_s3cmd(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    tool_path("s3cmd")
    home, work = tmp_path / "home", tmp_path / "work"
    write_config(home, ".s3cfg", fill(snippet("clients/s3cmd.md", "config").text, docs_server))
    notes = write_config(work, "notes.txt", "notes for s3cmd\n" * 100)
    out = run_sh(snippet("clients/s3cmd.md", "use").text, user_env(docs_server, home), work)
    assert "s3://s3cmd-demo/notes.txt" in out
    assert (work / "notes-copy.txt").read_bytes() == notes.read_bytes()
    assert object_bytes(s3, "s3cmd-demo", "notes.txt") == notes.read_bytes()


# --- s3fs-fuse and the Python s3fs package ---------------------------------------------------


def fuse_usable() -> str | None:
    """Why FUSE mounts cannot work here, or None."""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse in this sandbox"
    try:
        os.close(os.open("/dev/fuse", os.O_RDWR))
    except OSError as exc:
        return f"/dev/fuse cannot be opened: {exc}"
    if shutil.which("fusermount") is None and shutil.which("fusermount3") is None:
        return "fusermount is not installed"
    if os.geteuid() != 0 and not os.access(shutil.which("fusermount") or "", os.X_OK):
        return "not root and no usable fusermount"
    return None


@contextlib.contextmanager
def unmounted_at_exit(mountpoint: Path) -> Iterator[None]:
    try:
        yield
    finally:
        unmount = shutil.which("fusermount") or shutil.which("fusermount3") or "fusermount"
        subprocess.run([unmount, "-u", str(mountpoint)], capture_output=True, check=False)


def test_s3fs_fuse_mount(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    tool_path("s3fs")
    reason = fuse_usable()
    if reason:
        pytest.skip(f"s3fs-fuse needs FUSE: {reason}")
    home = tmp_path / "home"
    env = user_env(docs_server, home)
    page = "clients/s3fs.md"
    run_sh(fill(snippet(page, "passwd").text, docs_server), env, home)
    assert (home / ".passwd-s3fs").stat().st_mode & 0o777 == 0o600
    s3.create_bucket(Bucket="s3fs-demo")
    s3.put_object(Bucket="s3fs-demo", Key="from-boto3.txt", Body=b"written by boto3")
    mountpoint = home / "ownstack-bucket"
    with unmounted_at_exit(mountpoint):
        run_sh(fill(snippet(page, "mount").text, docs_server), env, home)
        (mountpoint / "from-fuse.txt").write_bytes(b"written through the mount")
        assert (mountpoint / "from-boto3.txt").read_bytes() == b"written by boto3"
        listed = sorted(p.name for p in mountpoint.iterdir())
    assert listed == ["from-boto3.txt", "from-fuse.txt"]
    assert object_bytes(s3, "s3fs-demo", "from-fuse.txt") == b"written through the mount"


def test_python_s3fs_package(docs_server: ServerHandle, s3: Any, tmp_path: Path) -> None:
    pytest.importorskip("s3fs", reason="the s3fs package is in the dev extras; not installed")
    code = fill(snippet("clients/s3fs.md", "python").text, docs_server)
    out = run_python(code, user_env(docs_server, tmp_path / "home"), tmp_path / "work")
    assert out.splitlines() == [
        "['fsspec-demo/data/hello.txt']",
        "b'hello from fsspec'",
    ]
    assert object_bytes(s3, "fsspec-demo", "data/hello.txt") == b"hello from fsspec"


# --- migrating from moto: the pytest fixture -----------------------------------------------


def test_moto_migration_fixture_runs_a_test_session(tmp_path: Path) -> None:
    """The page's conftest.py starts its own ownstack; its example test passes against it."""
    page = "migrating-from-moto.md"
    project = tmp_path / "project"
    write_config(project, "conftest.py", snippet(page, "conftest").text)
    write_config(project, "test_example.py", snippet(page, "test-example").text)
    env = clean_env(PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in [k for k in env if k.startswith("OWNSTACK_")]:
        env.pop(name)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    proc = run_tool([*argv, str(project)], env, cwd=project, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout
