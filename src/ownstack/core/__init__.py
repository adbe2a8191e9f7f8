"""The bottom layer: plain types every other layer may use (HTTP messages, request context,
service errors, clock). It imports nothing from ownstack."""
