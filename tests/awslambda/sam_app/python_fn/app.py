"""A handler that needs python-dateutil (and, through it, six): both come only from `sam build`."""

import sys
from pathlib import Path

import dateutil
import six
from dateutil import parser, relativedelta


def _bundled(module_file: str) -> str:
    """Where a module was loaded from, relative to this package's root."""
    return Path(module_file).relative_to(Path(__file__).parent).as_posix()


def handler(event, context):
    when = parser.isoparse(event["when"])
    return {
        "month_later": (when + relativedelta.relativedelta(months=1)).isoformat(),
        "dateutil": dateutil.__version__,
        "from": [_bundled(dateutil.__file__), _bundled(six.__file__)],
        "python": "{}.{}".format(*sys.version_info[:2]),
    }
