"""The web console (docs/console.md): static files served at /_ownstack/console/ and the
signed server-information endpoint the console's server page reads."""

from .files import ConsoleFiles
from .info import ServerInfo, info_response

__all__ = ["ConsoleFiles", "ServerInfo", "info_response"]
