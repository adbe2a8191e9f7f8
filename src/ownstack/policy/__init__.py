"""The IAM policy language and evaluator: pure functions, no I/O.

    parse_policy(text, kind) -> Policy        validated as IAM validates it, compiled once
    evaluate(AccessRequest, ...) -> Decision   AWS's documented evaluation logic
    policy_size(text) -> int                   what IAM's size quotas count

The gateway, IAM's Simulate* operations and STS's trust checks all call `evaluate`, so what a
simulation says is what a request gets.
"""

from .document import Policy, PolicyError, PolicyKind, parse_policy, policy_size
from .evaluate import AccessRequest, Decision, MatchedStatement, evaluate

__all__ = [
    "AccessRequest",
    "Decision",
    "MatchedStatement",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "evaluate",
    "parse_policy",
    "policy_size",
]
