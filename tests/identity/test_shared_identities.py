"""N processes sharing one meta store agree on identities: an IAM write through one is in force
in the others within the watcher's staleness bound, and they all serve the same accounts.

Each "process" is what build_app makes of identities (identitykit.Node); two of them share one
store of each meta engine. Tests that say "one poll" drive the watcher by hand, so they show
exactly what a poll does; the others let it run and measure against STALENESS_BOUND."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from identitykit import Node, account, seconds_until, shared_stores, start_node, stop_all

from conformance.kit import Backend, run
from ownstack.core.context import Principal
from ownstack.identity.accounts import AccountsFile
from ownstack.identity.generations import ALL_ACCOUNTS, GENERATIONS, bump_ops, touched_accounts
from ownstack.identity.records import ACCOUNTS, ALIASES, KEYS, USERS, AccessKeyRecord
from ownstack.identity.store import Stored
from ownstack.identity.watcher import STALENESS_BOUND
from ownstack.policy.evaluate import AccessRequest, evaluate
from ownstack.ports.errors import BackendUnavailable
from ownstack.ports.meta import Delete, Op, Put

FIRST = account("default", "111111111111", "AKIAFIRSTDEFAULTKEY1")
SECOND = account("default", "222222222222", "AKIASECONDDEFAULTKY2")
READ_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


async def _user_key(node: Node, user: str) -> tuple[str, str]:
    ctx = node.root()
    await node.iam.create_user(ctx, {"UserName": user})
    made = (await node.iam.create_access_key(ctx, {"UserName": user}))["AccessKey"]
    assert isinstance(made, dict)
    return made["AccessKeyId"], made["SecretAccessKey"]


async def _may_read(node: Node, key_id: str) -> bool:
    grant = node.directory.credential(key_id, None)
    assert grant is not None
    policies = await node.directory.policies(grant.principal)
    request = AccessRequest(grant.principal, "s3:GetObject", "arn:aws:s3:::b/k", {})
    return evaluate(request, identity=policies.identity).allowed


def test_a_key_made_through_one_is_accepted_by_the_other_after_one_poll(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            b = await start_node(two, tmp_path / "b", FIRST, watching=False)
            key_id, secret = await _user_key(a, "alice")
            assert a.directory.credential(key_id, None) is not None
            assert b.directory.credential(key_id, None) is None  # not polled yet
            await b.watcher.poll()
            grant = b.directory.credential(key_id, None)
            assert grant is not None and grant.secret == secret
            assert grant.principal == Principal(
                account_id=FIRST.id,
                arn=f"arn:aws:iam::{FIRST.id}:user/alice",
                user_id=grant.principal.user_id,
                access_key=key_id,
                kind="user",
                name="alice",
            )
            assert grant.principal.user_id.startswith("AIDA")
            assert await b.directory.catch_up() == set()  # nothing moved since

    run(scenario())


def test_a_key_made_through_one_is_accepted_by_the_other_within_the_bound(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> float:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST)
            b = await start_node(two, tmp_path / "b", FIRST)
            try:
                key_id, _ = await _user_key(a, "bob")
                return await seconds_until(
                    lambda: b.directory.credential(key_id, None), STALENESS_BOUND
                )
            finally:
                await stop_all(a, b)

    assert run(scenario()) < STALENESS_BOUND


def test_a_policy_attached_through_one_changes_the_others_decisions(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST)
            b = await start_node(two, tmp_path / "b", FIRST)
            try:
                key_id, _ = await _user_key(a, "carol")
                await seconds_until(lambda: b.directory.credential(key_id, None), 5)
                assert await _may_read(b, key_id) is False  # and now cached in b
                ctx = a.root()
                params = {"UserName": "carol", "PolicyName": "read", "PolicyDocument": READ_POLICY}
                await a.iam.put_user_policy(ctx, params)
                assert await _may_read(a, key_id) is True  # the writer: at once
                took = await seconds_until(lambda: _may_read(b, key_id), STALENESS_BOUND)
                assert took < STALENESS_BOUND
                await a.iam.delete_user_policy(ctx, {"UserName": "carol", "PolicyName": "read"})
                arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
                await seconds_until(lambda: _denied(b, key_id), STALENESS_BOUND)
                await a.iam.attach_user_policy(ctx, {"UserName": "carol", "PolicyArn": arn})
                took = await seconds_until(lambda: _may_read(b, key_id), STALENESS_BOUND)
                assert took < STALENESS_BOUND
            finally:
                await stop_all(a, b)

    run(scenario())


async def _denied(node: Node, key_id: str) -> bool:
    return not await _may_read(node, key_id)


def test_a_key_deleted_or_deactivated_through_one_is_refused_by_the_other(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            b = await start_node(two, tmp_path / "b", FIRST, watching=False)
            ctx = a.root()
            first, _ = await _user_key(a, "dave")
            second = (await a.iam.create_access_key(ctx, {"UserName": "dave"}))["AccessKey"]
            assert isinstance(second, dict)
            await b.watcher.poll()
            assert b.directory.credential(first, None) is not None
            assert b.directory.credential(second["AccessKeyId"], None) is not None
            await a.iam.delete_access_key(ctx, {"UserName": "dave", "AccessKeyId": first})
            update = {
                "UserName": "dave",
                "AccessKeyId": second["AccessKeyId"],
                "Status": "Inactive",
            }
            await a.iam.update_access_key(ctx, update)
            assert b.directory.credential(first, None) is not None  # until b polls
            await b.watcher.poll()
            assert b.directory.credential(first, None) is None
            assert b.directory.credential(second["AccessKeyId"], None) is None
            await a.iam.update_access_key(ctx, {**update, "Status": "Active"})
            await b.watcher.poll()
            assert b.directory.credential(second["AccessKeyId"], None) is not None

    run(scenario())


def test_a_deleted_key_is_refused_by_the_other_within_the_bound(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> float:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST)
            b = await start_node(two, tmp_path / "b", FIRST)
            try:
                key_id, _ = await _user_key(a, "erin")
                await seconds_until(lambda: b.directory.credential(key_id, None), 5)
                params = {"UserName": "erin", "AccessKeyId": key_id}
                await a.iam.delete_access_key(a.root(), params)
                return await seconds_until(
                    lambda: b.directory.credential(key_id, None) is None, STALENESS_BOUND
                )
            finally:
                await stop_all(a, b)

    assert run(scenario()) < STALENESS_BOUND


def test_processes_with_different_generated_credentials_agree_on_the_default_account(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            with caplog.at_level(logging.WARNING, logger="ownstack.identity"):
                b = await start_node(two, tmp_path / "b", SECOND, watching=False)
            for node in (a, b):
                assert node.accounts.default == FIRST
                assert node.accounts.all() == [FIRST]
                assert node.accounts.by_access_key(FIRST.root_access_key) == FIRST
                assert node.accounts.by_access_key(SECOND.root_access_key) is None
                assert node.accounts.by_id(SECOND.id) is None
                grant = node.directory.credential(FIRST.root_access_key, None)
                assert grant is not None and grant.principal.account_id == FIRST.id
            assert [r.getMessage() for r in caplog.records] == [
                f"the shared store's default account is {FIRST.id} (root access key"
                f" {FIRST.root_access_key}); this data dir's credentials say {SECOND.id}"
                f" ({SECOND.root_access_key}): serving the stored one, as every process does"
            ]

    run(scenario())


def test_explicitly_configured_root_credentials_replace_the_stored_default(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            b = await start_node(two, tmp_path / "b", SECOND, pinned=True, watching=False)
            assert b.accounts.default == SECOND
            assert a.accounts.default == FIRST  # until it polls
            await a.watcher.poll()
            assert a.accounts.default == SECOND
            assert a.accounts.all() == [SECOND]
            assert a.directory.credential(FIRST.root_access_key, None) is None

    run(scenario())


def test_an_account_created_on_one_data_dir_reaches_the_other(
    backend: Backend, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            b = await start_node(two, tmp_path / "b", FIRST, watching=False)
            made, created = AccountsFile(a.data_dir).create("team", "333333333333", [FIRST])
            assert created
            assert a.accounts.by_access_key(made.root_access_key) == made  # at once, from the file
            assert b.accounts.by_access_key(made.root_access_key) is None
            await a.watcher.poll()  # a seeds the store with it
            await b.watcher.poll()
            assert b.accounts.by_access_key(made.root_access_key) == made
            assert b.accounts.all() == [FIRST, made]
            clash, _ = AccountsFile(b.data_dir).create("other", "333333333333", [FIRST])
            await b.watcher.poll()
            assert b.accounts.by_id("333333333333") == made  # the store's account wins
            assert b.accounts.by_access_key(clash.root_access_key) is None

    run(scenario())


def test_the_watcher_stops_cleanly(backend: Backend, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with shared_stores(backend, 1) as (store,):
            node = await start_node(store, tmp_path / "a", FIRST, interval=0.01)
            assert node.watcher.running
            await seconds_until(lambda: node.watcher.running, 0.1)
            await node.watcher.stop()
            assert not node.watcher.running
            await node.watcher.stop()  # a second stop is a no-op
            node.watcher.start()
            assert node.watcher.running
            await node.watcher.stop()

    run(scenario())


def test_the_watcher_survives_a_store_that_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing round is logged once and retried; the process keeps what it had."""
    from conformance.kit import ENGINES

    backend = Backend(ENGINES["memory"], "meta", tmp_path / "meta")

    async def scenario() -> None:
        async with shared_stores(backend, 1) as (store,):
            node = await start_node(store, tmp_path / "a", FIRST, interval=0.01)
            failures = 0
            real = store.scan

            async def failing(*args: object, **kwargs: object) -> object:
                nonlocal failures
                failures += 1
                raise BackendUnavailable("meta store away")

            store.scan = failing  # type: ignore[method-assign,assignment]
            with caplog.at_level(logging.INFO, logger="ownstack.identity"):
                await seconds_until(lambda: failures >= 3, 2)
                assert node.directory.credential(FIRST.root_access_key, None) is not None
                store.scan = real  # type: ignore[method-assign]
                await seconds_until(lambda: "answers again" in caplog.text, 2)
            await node.watcher.stop()
            messages = [r.getMessage() for r in caplog.records]
            assert messages == [
                "identity watcher: reading the shared store failed",
                "identity watcher: the shared store answers again",
            ]

    run(scenario())


def test_an_iam_commit_moves_the_generation_of_the_accounts_it_writes() -> None:
    user = AccessKeyRecord("AKIAKEY", "123456789012", "u", "AIDAU", "arn", "s", 0.0)
    assert touched_accounts([Put(USERS, "123456789012/alice", b"{}")]) == {"123456789012"}
    assert touched_accounts([Put(KEYS, "AKIAKEY", user.encode())]) == {"123456789012"}
    assert touched_accounts([Put(ACCOUNTS, "210987654321", b"{}")]) == {"210987654321"}
    deleted_key: list[Op] = [Delete(KEYS, "AKIAKEY"), Put(USERS, "123456789012/u", b"{}")]
    assert touched_accounts(deleted_key) == {"123456789012"}
    assert touched_accounts([Delete(ALIASES, "my-alias")]) == {ALL_ACCOUNTS}
    assert bump_ops({"2", "1"}) == [Put(GENERATIONS, "1", b""), Put(GENERATIONS, "2", b"")]


def test_a_key_written_here_while_the_watcher_reads_is_kept(
    backend: Backend, tmp_path: Path
) -> None:
    """The watcher's key scan may predate this process's own write: the write stays."""

    async def scenario() -> None:
        async with shared_stores(backend, 2) as (one, two):
            a = await start_node(one, tmp_path / "a", FIRST, watching=False)
            b = await start_node(two, tmp_path / "b", FIRST, watching=False)
            await _user_key(a, "frank")  # moves the generation b will see
            late = AccessKeyRecord(
                "AKIALATELOCALWRITE01", FIRST.id, "frank", "AIDAX", "arn:x", "s", 0.0
            )
            real = b.directory.store.all_keys

            async def scan_then_local_write() -> list[Stored[AccessKeyRecord]]:
                scanned = await real()
                b.directory.key_written(late)  # landed after the scan read
                return scanned

            b.directory.store.all_keys = scan_then_local_write  # type: ignore[method-assign]
            assert await b.directory.catch_up() == {FIRST.id}
            grant = b.directory.credential(late.id, None)
            assert grant is not None and grant.secret == "s"

    run(scenario())
