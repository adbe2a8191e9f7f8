"""Amazon CloudWatch Logs: log groups and streams on the meta port, events on the log port."""
