"""The postgres engine's in-process wake-ups: one waiter per wake-up, the longest waiting first,
passed on by a woken waiter that leaves without looking."""

from __future__ import annotations

import asyncio

import pytest

from ownstack.backends.postgres.wake import Wakeups


def test_a_wake_up_goes_to_the_longest_waiting_only() -> None:
    wakeups = Wakeups()
    with wakeups.watch("q") as first, wakeups.watch("q") as second, wakeups.watch("r") as other:
        wakeups.wake("q")
        assert (first.is_set(), second.is_set(), other.is_set()) == (True, False, False)
        wakeups.wake("q")
        assert second.is_set() and not other.is_set()
        wakeups.wake("q")  # nobody left to wake on "q"
        assert not other.is_set()


def test_a_woken_waiter_that_leaves_without_looking_passes_it_on() -> None:
    wakeups = Wakeups()
    leaving_watch = wakeups.watch("q")
    leaving = leaving_watch.__enter__()
    with wakeups.watch("q") as staying:
        wakeups.wake("q")
        assert leaving.is_set() and not staying.is_set()
        cancelled = asyncio.CancelledError()
        assert not leaving_watch.__exit__(type(cancelled), cancelled, None)  # re-raised
        assert staying.is_set()
    with wakeups.watch("q") as later:
        wakeups.wake("q")
        assert later.is_set()  # the departed are forgotten


def test_a_waiter_that_leaves_unwoken_passes_nothing_on() -> None:
    wakeups = Wakeups()
    with wakeups.watch("q") as staying:
        with pytest.raises(asyncio.CancelledError), wakeups.watch("q"):
            raise asyncio.CancelledError
        assert not staying.is_set()


def test_wake_all_reaches_every_waiter_of_a_queue_or_of_all() -> None:
    wakeups = Wakeups()
    with wakeups.watch("q") as a, wakeups.watch("q") as b, wakeups.watch("r") as c:
        wakeups.wake_all("q")
        assert (a.is_set(), b.is_set(), c.is_set()) == (True, True, False)
        wakeups.wake_all()
        assert c.is_set()
