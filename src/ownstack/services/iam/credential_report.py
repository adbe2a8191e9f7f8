"""GenerateCredentialReport and GetCredentialReport: the account's root and users with the state
of their credentials, as the CSV the IAM User Guide documents ("Getting credential reports").
A report is made in the call (so the first answer is STARTED and the report is there at once);
a new one at most every four hours, as IAM does, otherwise the last one stands (COMPLETE).

ownstack has no console passwords, MFA devices or signing certificates: those columns say what
AWS says for a user without them (false, N/A; the root's password columns not_supported)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

from ownstack.core.context import RequestContext
from ownstack.core.errors import ServiceError
from ownstack.core.service import Params, Result
from ownstack.identity.records import (
    CREDENTIAL_REPORTS,
    AccessKeyRecord,
    CredentialReportRecord,
    UserRecord,
)
from ownstack.ports.meta import ABSENT, Op, Put

from .base import IamBase

REPORT_INTERVAL = 4 * 3600.0
"""IAM makes a new report only when the last is older than this."""
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
NA = "N/A"
_NO_KEY = ["false", NA, NA, NA, NA]
_NO_CERTS = ["false", NA, "false", NA]
STARTED_DESCRIPTION = "No report exists. Starting a new report generation task"


def report_time(when: float) -> str:
    """ISO 8601 as the report writes it: 2015-06-24T12:45:00+00:00."""
    return datetime.fromtimestamp(when, UTC).replace(microsecond=0).isoformat()


def report_not_present() -> ServiceError:
    return ServiceError(
        "ReportNotPresent",
        "Credential report does not exist. Use GenerateCredentialReport to generate a"
        " credential report.",
        410,
    )


def to_csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    out.write(HEADER + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().rstrip("\n")


class CredentialReportOps(IamBase):
    async def generate_credential_report(self, ctx: RequestContext, params: Params) -> Result:
        async def build() -> tuple[list[Op], bool]:
            found = await self.store.read(
                CREDENTIAL_REPORTS, ctx.account_id, CredentialReportRecord
            )
            now = self.clock.now()
            if found is not None and now - found.record.generated < REPORT_INTERVAL:
                return [], False
            report = CredentialReportRecord(now, await self._report(ctx))
            expect = found.version if found else ABSENT
            return [Put(CREDENTIAL_REPORTS, ctx.account_id, report.encode(), expect)], True

        if await self.write(ctx, build):
            return {"State": "STARTED", "Description": STARTED_DESCRIPTION}
        return {"State": "COMPLETE"}

    async def get_credential_report(self, ctx: RequestContext, params: Params) -> Result:
        found = await self.store.read(CREDENTIAL_REPORTS, ctx.account_id, CredentialReportRecord)
        if found is None:
            raise report_not_present()
        return {
            "Content": found.record.content.encode(),
            "ReportFormat": "text/csv",
            "GeneratedTime": found.record.generated,
        }

    async def _report(self, ctx: RequestContext) -> str:
        rows = [self._root_row(ctx)]
        for stored in await self.store.users(ctx.account_id):
            rows.append(await self._user_row(stored.record))
        return to_csv(rows)

    def _root_row(self, ctx: RequestContext) -> list[str]:
        """The root's creation time is not kept (N/A); its keys are the account's root keys,
        which ownstack does not track the use of."""
        account = self.directory.accounts.by_id(ctx.account_id)
        key = ["true", NA, NA, NA, NA] if account and account.root_access_key else _NO_KEY
        return [
            "<root_account>",
            f"arn:aws:iam::{ctx.account_id}:root",
            NA,
            "not_supported",
            NA,
            "not_supported",
            "not_supported",
            "false",
            *key,
            *_NO_KEY,
            *_NO_CERTS,
        ]

    async def _user_row(self, user: UserRecord) -> list[str]:
        keys: list[list[str]] = []
        for key_id in user.keys[:2]:
            found = await self.store.key(key_id)
            keys.append(await self._key_columns(found.record) if found else _NO_KEY)
        keys += [_NO_KEY] * (2 - len(keys))
        password = [NA, NA, NA]  # no console password: last used, last changed, next rotation
        return [
            user.name,
            user.arn,
            report_time(user.created),
            "false",
            *password,
            "false",
            *keys[0],
            *keys[1],
            *_NO_CERTS,
        ]

    async def _key_columns(self, key: AccessKeyRecord) -> list[str]:
        """active, last rotated (N/A unless active, as the guide says), last used date,
        region and service (N/A when never used)."""
        use = await self.directory.key_last_used(key.id)
        used = [report_time(use.when), use.region, use.service] if use else [NA, NA, NA]
        rotated = report_time(key.created) if key.active else NA
        return ["true" if key.active else "false", rotated, *used]
