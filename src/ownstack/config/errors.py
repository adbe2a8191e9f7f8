"""The one error configuration problems raise; the CLI prints it and exits non-zero."""


class ConfigError(Exception):
    """Invalid configuration, reported at start with a message naming the culprit."""
