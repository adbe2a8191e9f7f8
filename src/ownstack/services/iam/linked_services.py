"""The AWS services whose service-linked roles CreateServiceLinkedRole makes, and the name each
gives its role. Taken from each service's "Using service-linked roles" page of its user guide
(linked from the IAM User Guide's "AWS services that work with IAM", Service-linked role
column). AWS names the role itself (AWSServiceRoleFor<name>), so a service principal missing
here cannot be given a correct name and is refused, as AWS refuses a principal it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_ROLE_PATH = "/aws-service-role/"
"""Every service-linked role's path starts so: /aws-service-role/<service principal>/."""
ROLE_PREFIX = "AWSServiceRoleFor"


@dataclass(frozen=True, slots=True)
class LinkedService:
    role_name: str
    """The part after AWSServiceRoleFor (ElasticBeanstalk -> AWSServiceRoleForElasticBeanstalk)."""
    custom_suffix: bool = False
    """Whether the service accepts CustomSuffix (AWS: "Custom suffix is not allowed for X")."""


LINKED_SERVICES: dict[str, LinkedService] = {
    "access-analyzer.amazonaws.com": LinkedService("AccessAnalyzer"),
    "autoscaling.amazonaws.com": LinkedService("AutoScaling", custom_suffix=True),
    "backup.amazonaws.com": LinkedService("Backup"),
    "batch.amazonaws.com": LinkedService("Batch"),
    "cloudtrail.amazonaws.com": LinkedService("CloudTrail"),
    "compute-optimizer.amazonaws.com": LinkedService("ComputeOptimizer"),
    "config.amazonaws.com": LinkedService("Config"),
    "dynamodb.application-autoscaling.amazonaws.com": LinkedService(
        "ApplicationAutoScaling_DynamoDBTable"
    ),
    "ecs.amazonaws.com": LinkedService("ECS"),
    "ecs.application-autoscaling.amazonaws.com": LinkedService("ApplicationAutoScaling_ECSService"),
    "eks.amazonaws.com": LinkedService("AmazonEKS"),
    "eks-nodegroup.amazonaws.com": LinkedService("AmazonEKSNodegroup"),
    "elasticache.amazonaws.com": LinkedService("ElastiCache"),
    "elasticbeanstalk.amazonaws.com": LinkedService("ElasticBeanstalk"),
    "elasticfilesystem.amazonaws.com": LinkedService("AmazonElasticFileSystem"),
    "elasticloadbalancing.amazonaws.com": LinkedService("ElasticLoadBalancing"),
    "es.amazonaws.com": LinkedService("AmazonElasticsearchService"),
    "fsx.amazonaws.com": LinkedService("AmazonFSx"),
    "globalaccelerator.amazonaws.com": LinkedService("GlobalAccelerator"),
    "guardduty.amazonaws.com": LinkedService("AmazonGuardDuty"),
    "inspector2.amazonaws.com": LinkedService("AmazonInspector2"),
    "kafka.amazonaws.com": LinkedService("Kafka"),
    "lex.amazonaws.com": LinkedService("LexBots", custom_suffix=True),
    "lexv2.amazonaws.com": LinkedService("LexV2Bots", custom_suffix=True),
    "opensearchservice.amazonaws.com": LinkedService("AmazonOpenSearchService"),
    "organizations.amazonaws.com": LinkedService("Organizations"),
    "rds.amazonaws.com": LinkedService("RDS"),
    "redshift.amazonaws.com": LinkedService("Redshift"),
    "replication.dynamodb.amazonaws.com": LinkedService("DynamoDBReplication"),
    "securityhub.amazonaws.com": LinkedService("SecurityHub"),
    "spot.amazonaws.com": LinkedService("EC2Spot"),
    "spotfleet.amazonaws.com": LinkedService("EC2SpotFleet"),
    "ssm.amazonaws.com": LinkedService("AmazonSSM"),
    "sso.amazonaws.com": LinkedService("SSO"),
    "support.amazonaws.com": LinkedService("Support"),
    "transitgateway.amazonaws.com": LinkedService("VPCTransitGateway"),
    "trustedadvisor.amazonaws.com": LinkedService("TrustedAdvisor"),
}


def is_service_linked(path: str) -> bool:
    return path.startswith(SERVICE_ROLE_PATH)
