"""Identities: accounts, IAM users/groups/roles/policies/keys, and STS sessions.

The IAM and STS services are the APIs over this package; the gateway reads it to learn who
signed a request (`Directory.credential`) and what that principal's policies are
(`Directory.policies`). It sits below the services (both IAM and STS use it, and a service
never imports another) and above the ports (it keeps its records in the meta port).
"""
