"""Error codes of services that moved from the query protocol to JSON (awsQueryCompatible).

A service raises its modeled error by the shape's name (`QueueDoesNotExist`). Over JSON that is
the `__type`, and the `x-amzn-query-error` header carries the query-era code
(`AWS.SimpleQueueService.NonExistentQueue;Sender`) that SDKs report as the error's code; over the
query protocol the query-era code is the `<Code>`. The query-era code is the shape's modeled
`error.code` (botocore keeps it for most services; our patches restore it where it does not).
Codes that name no such shape (InvalidParameterValue, MissingParameter...) are the same in both.
"""

from __future__ import annotations

from botocore.model import ServiceModel


def query_error_codes(model: ServiceModel) -> dict[str, str]:
    """Error shape name -> its query-era code, for the shapes whose code differs."""
    codes: dict[str, str] = {}
    for shape in model.error_shapes:
        code = shape.error_code
        if isinstance(code, str) and code != shape.name:
            codes[shape.name] = code
    return codes
