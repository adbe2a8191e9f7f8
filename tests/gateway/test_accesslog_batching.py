"""Access lines are written in batches: none lost, order kept, nothing written until a flush."""

from __future__ import annotations

import io
import logging

from ownstack.obs.accesslog import BatchedLineHandler


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def test_lines_wait_for_a_flush_then_come_out_in_order() -> None:
    out = io.StringIO()
    handler = BatchedLineHandler(out, max_lines=100)
    logger = _logger(handler, "test.access.batched")
    for i in range(5):
        logger.info('{"n":%d}', i)
    assert out.getvalue() == ""
    handler.flush()
    assert out.getvalue() == "".join(f'{{"n":{i}}}\n' for i in range(5))
    handler.flush()
    assert out.getvalue().count("\n") == 5


def test_a_full_batch_is_written_without_waiting() -> None:
    out = io.StringIO()
    handler = BatchedLineHandler(out, max_lines=3)
    logger = _logger(handler, "test.access.full")
    for i in range(7):
        logger.info("line %d", i)
    assert out.getvalue() == "line 0\nline 1\nline 2\nline 3\nline 4\nline 5\n"
    handler.flush()
    assert out.getvalue().endswith("line 5\nline 6\n")


def test_access_log_hands_lines_to_a_batched_handler_directly() -> None:
    from ownstack.obs.accesslog import AccessLog

    out = io.StringIO()
    handler = BatchedLineHandler(out, max_lines=100)
    log = AccessLog(_logger(handler, "test.access.direct"))
    assert log.enabled()
    log.record(
        "ABC",
        "127.0.0.1",
        "GET",
        "/b/k",
        "X-Amz-Signature=secret",
        "s3",
        "GetObject",
        200,
        "",
        0,
        5,
        1.25,
        "arn:aws:iam::123456789012:root",
    )
    handler.flush()
    line = out.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    assert '"request_id":"ABC"' in line and '"status":200' in line
    assert "secret" not in line
