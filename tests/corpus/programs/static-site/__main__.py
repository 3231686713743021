"""A static website: private S3 bucket, CloudFront with an origin access control, ACM and Route 53."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
domain = config.require("domain")
zone = aws.route53.get_zone(name=config.get("zone") or domain)
us_east_1 = aws.Provider("us-east-1", region="us-east-1")
bucket = aws.s3.Bucket("content")
aws.s3.BucketPublicAccessBlock(
    "content",
    bucket=bucket.id,
    block_public_acls=True,
    block_public_policy=True,
    ignore_public_acls=True,
    restrict_public_buckets=True,
)
aws.s3.BucketObject(
    "index", bucket=bucket.id, key="index.html", content="<h1>hello</h1>", content_type="text/html"
)
cert = aws.acm.Certificate(
    "cert", domain_name=domain, validation_method="DNS", opts=pulumi.ResourceOptions(provider=us_east_1)
)
validation = aws.route53.Record(
    "cert-validation",
    zone_id=zone.zone_id,
    name=cert.domain_validation_options[0].resource_record_name,
    type=cert.domain_validation_options[0].resource_record_type,
    records=[cert.domain_validation_options[0].resource_record_value],
    ttl=60,
)
validated = aws.acm.CertificateValidation(
    "cert",
    certificate_arn=cert.arn,
    validation_record_fqdns=[validation.fqdn],
    opts=pulumi.ResourceOptions(provider=us_east_1),
)
oac = aws.cloudfront.OriginAccessControl(
    "oac", origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4"
)
cdn = aws.cloudfront.Distribution(
    "cdn",
    enabled=True,
    aliases=[domain],
    default_root_object="index.html",
    origins=[
        {
            "origin_id": "s3",
            "domain_name": bucket.bucket_regional_domain_name,
            "origin_access_control_id": oac.id,
        }
    ],
    default_cache_behavior={
        "target_origin_id": "s3",
        "viewer_protocol_policy": "redirect-to-https",
        "allowed_methods": ["GET", "HEAD"],
        "cached_methods": ["GET", "HEAD"],
        "cache_policy_id": aws.cloudfront.get_cache_policy(name="Managed-CachingOptimized").id,
    },
    restrictions={"geo_restriction": {"restriction_type": "none"}},
    viewer_certificate={"acm_certificate_arn": validated.certificate_arn, "ssl_support_method": "sni-only"},
)
policy = aws.iam.get_policy_document_output(
    statements=[
        {
            "actions": ["s3:GetObject"],
            "resources": [bucket.arn.apply(lambda a: f"{a}/*")],
            "principals": [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}],
            "conditions": [{"test": "StringEquals", "variable": "AWS:SourceArn", "values": [cdn.arn]}],
        }
    ]
)
aws.s3.BucketPolicy("content", bucket=bucket.id, policy=policy.json)
aws.route53.Record(
    "site",
    zone_id=zone.zone_id,
    name=domain,
    type="A",
    aliases=[{"name": cdn.domain_name, "zone_id": cdn.hosted_zone_id, "evaluate_target_health": False}],
)
pulumi.export("url", f"https://{domain}")
pulumi.export("distribution", cdn.domain_name)
