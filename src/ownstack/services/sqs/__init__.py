"""SQS: queues on the queue port (ownstack.ports.queues), over the json and query protocols."""
