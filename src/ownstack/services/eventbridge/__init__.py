"""Amazon EventBridge (botocore model "events")."""
