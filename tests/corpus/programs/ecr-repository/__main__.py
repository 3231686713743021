"""An ECR repository with scanning and a lifecycle policy; registry credentials for a docker build."""

import json

import pulumi
import pulumi_aws as aws

repo = aws.ecr.Repository(
    "app", image_scanning_configuration={"scan_on_push": True}, image_tag_mutability="IMMUTABLE"
)
aws.ecr.LifecyclePolicy(
    "app",
    repository=repo.name,
    policy=json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "keep 30",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                    "action": {"type": "expire"},
                }
            ]
        }
    ),
)
token = aws.ecr.get_authorization_token_output(registry_id=repo.registry_id)
pulumi.export("repository", repo.repository_url)
pulumi.export("registry", token.proxy_endpoint)
pulumi.export("password", pulumi.Output.secret(token.password))
