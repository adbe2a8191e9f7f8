"""The read side of the table features ownstack does not offer (backups, point-in-time
recovery, contributor insights, Kinesis streaming, global tables, auto scaling, resource
policies): each answers with the truth, that the feature is off or there is nothing, so tools
that read every setting of a table (Terraform's aws_dynamodb_table, the console) work. The
operations that would turn a feature on stay unimplemented (NotImplemented), never a success
that is then ignored."""

from __future__ import annotations

from ownstack.core.context import RequestContext
from ownstack.core.service import Params, Result

from .base import DynamoDbBase, locate_table
from .errors import DynamoError, resource_not_found, table_not_found
from .records import TABLES, table_key


class TableFeatureOps(DynamoDbBase):
    async def describe_continuous_backups(self, ctx: RequestContext, params: Params) -> Result:
        name = params["TableName"]
        if await self.find_table(ctx, name) is None:
            raise DynamoError("TableNotFoundException", f"Table not found: {name}")
        return {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "DISABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
            }
        }

    async def describe_contributor_insights(self, ctx: RequestContext, params: Params) -> Result:
        table = await self.table(ctx, params["TableName"])
        result: Result = {"TableName": table.name, "ContributorInsightsStatus": "DISABLED"}
        index = params.get("IndexName")
        if index is not None:
            if table.index(index) is None:
                raise resource_not_found(
                    f"Requested resource not found: Index: {index} not found for table:"
                    f" {table.name}"
                )
            result["IndexName"] = index
        return result

    async def describe_kinesis_streaming_destination(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        table = await self.table(ctx, params["TableName"])
        return {"TableName": table.name, "KinesisDataStreamDestinations": []}

    async def describe_table_replica_auto_scaling(
        self, ctx: RequestContext, params: Params
    ) -> Result:
        table = await self.table(ctx, params["TableName"])
        return {
            "TableAutoScalingDescription": {
                "TableName": table.name,
                "TableStatus": table.status,
                "Replicas": [],
            }
        }

    async def list_backups(self, ctx: RequestContext, params: Params) -> Result:
        name = params.get("TableName")
        if name is not None:
            await self.table(ctx, name)
        return {"BackupSummaries": []}

    async def list_global_tables(self, ctx: RequestContext, params: Params) -> Result:
        return {"GlobalTables": []}

    async def get_resource_policy(self, ctx: RequestContext, params: Params) -> Result:
        arn = params["ResourceArn"]
        region, account_id, name = locate_table(ctx, arn)
        if await self.meta.get(TABLES, table_key(region, account_id, name)) is None:
            raise table_not_found(name)
        raise DynamoError(
            "PolicyNotFoundException",
            f"Resource-based policy not found for the provided ResourceArn: {arn}",
        )
