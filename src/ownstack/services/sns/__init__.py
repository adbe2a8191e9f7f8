"""SNS: topics and subscriptions; deliveries to other services go through ownstack.events."""
