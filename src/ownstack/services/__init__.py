"""One package per AWS service. A service imports ports and core, never another service and
never a backend; cross-service effects go through ownstack.events as plain data."""
