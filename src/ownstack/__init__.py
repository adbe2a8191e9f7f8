"""ownstack: the open cloud that people run themselves."""

__version__ = "0.1.0"
