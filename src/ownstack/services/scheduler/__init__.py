"""Amazon EventBridge Scheduler: schedules and schedule groups, fired by a background loop."""
