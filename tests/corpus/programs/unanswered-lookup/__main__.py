"""A lookup tierup cannot answer offline without a fixture: exits 2 naming the line and the file."""

import pulumi
import pulumi_aws as aws

version = aws.rds.get_engine_version(engine="aurora-postgresql", preferred_versions=["16.4", "15.8"])
cluster = aws.rds.Cluster(
    "db",
    engine="aurora-postgresql",
    engine_version=version.version,
    master_username="app",
    manage_master_user_password=True,
    storage_encrypted=True,
)
pulumi.export("version", version.version)
