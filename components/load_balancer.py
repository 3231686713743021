"""LoadBalancer: an Application Load Balancer that fronts one or more app tiers by host and path."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from tierup.routing import RouteTable

from ._base import TierComponent, Transforms, tags
from ._context import aws_context, elb_service_account_arn
from .network import Network

#: TLS 1.3 with TLS 1.2 fallback: AWS's recommended policy for HTTPS listeners.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
#: The service principal AWS documents for ALB access-log delivery (all regions opened since Aug 2022).
LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
#: AWS managed WAF rule groups every web ACL gets (free to use; each evaluated in priority order).
WAF_MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
#: The range WAF accepts for a rate-based rule's limit over its 5-minute window.
RATE_LIMIT_RANGE = (100, 2_000_000_000)
#: A Route 53 hosted zone id (``Z`` and upper-case letters and digits), as opposed to a zone name.
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_FQDN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
NOT_FOUND_ACTION = {
    "type": "fixed-response",
    "fixed_response": {"content_type": "text/plain", "message_body": "Not Found", "status_code": "404"},
}


@dataclass
class LoadBalancerArgs:
    """Arguments of :class:`LoadBalancer`."""

    network: Network
    """The network; the ALB goes into its public subnets (private ones when ``internal``)."""

    domain: str | None = None
    """FQDN the ALB answers, e.g. ``"shop.example.com"`` (default none). tierup requests an ACM certificate
    for it validated by DNS in ``hosted_zone``, waits for the validation, serves HTTPS on 443 (80 only
    redirects) and points alias A and AAAA records at the ALB. Exclusive with ``certificate_arn``."""

    hosted_zone: str | None = None
    """Route 53 public hosted zone of ``domain``: a zone name (``"example.com"``) or id (``"Z0123..."``)
    (default: the longest existing parent zone of ``domain``, looked up by name)."""

    certificate_arn: pulumi.Input[str] | None = None
    """Bring your own ACM certificate ARN (exclusive with ``domain``). With a certificate: HTTPS on 443
    and port 80 only redirects (301); with neither (default): plain HTTP on 80, which the ``alb-https``
    policy refuses for an internet-facing ALB in staging and prod."""

    waf: bool = False
    """Associate a regional WAF web ACL: AWS managed common and known-bad-inputs rule groups and a per-IP
    rate limit (default off; on in prod). About $5/month per ACL + $1 per rule + $0.60 per million
    requests."""

    rate_limit_per_5_minutes: int = 2000
    """Requests one client IP may make in 5 minutes before WAF blocks it (default 2000; with ``waf``)."""

    idle_timeout_seconds: pulumi.Input[int] = 60
    """Seconds a connection may stay idle (default 60, AWS allows 1 to 4000)."""

    deletion_protection: pulumi.Input[bool] = False
    """Refuse to delete the ALB until this is turned off (default off; on in prod)."""

    access_logs: bool = False
    """Write access logs to an encrypted, lifecycle-managed S3 bucket (default off)."""

    internal: bool = False
    """An internal ALB in the private subnets, reachable from inside the VPC only (default off)."""

    access_log_retention_days: int = 90
    """Days the access-log bucket keeps each log object (default 90)."""

    protect: bool = False
    """Protect (and retain on delete) the access-log bucket (default off; on in prod)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`LoadBalancer.TRANSFORMABLE` (default none)."""


class LoadBalancer(TierComponent):
    """An Application Load Balancer with a locked-down security group, HTTPS and optional access logs.

    The ALB's group admits only HTTP (and HTTPS with a certificate) from the internet and has no
    egress until a target is allowed with :meth:`allow_to`. Apps attach to :attr:`listener`, whose
    default answer is a 404, through listener rules made by :meth:`add_route`, so one ALB can front
    several app tiers::

        lb = LoadBalancer("web", LoadBalancerArgs(network=network, domain="shop.example.com", waf=True))
        lb.add_route("api", api_target_group, host_patterns=["api.example.com"])  # assigned 10000+
        lb.add_route("site", site_target_group, path_patterns=["/*"])             # assigned 40000: last
        lb.add_route("ops", ops_target_group, path_patterns=["/ops/*"], priority=5)  # given: kept
        lb.allow_to("api", api_security_group, 8080)
        pulumi.export("url", lb.url)

    With ``domain``, the certificate is requested and validated in Route 53 (the validation CNAME, then
    :attr:`certificate_validation` waits until ACM issues it, before the HTTPS listener is created) and
    alias A/AAAA records point the domain at the ALB; :attr:`url` is ``https://<domain>``.

    **Cost**: about $16/month per ALB plus $5.84/month per LCU of traffic, plus $3.65/month for each
    public IPv4 address (one per AZ for an internet-facing ALB). Access logs cost S3 storage only. The
    ACM certificate is free; Route 53 answers cost $0.40 per million queries (alias queries to an ALB are
    free). ``waf``: $5/month per web ACL + $1 per rule (3) + $0.60 per million requests, about $8/month.
    """

    TRANSFORMABLE = frozenset(
        {
            "security_group",
            "ingress_rule",
            "egress_rule",
            "target_ingress_rule",
            "load_balancer",
            "http_listener",
            "https_listener",
            "listener_rule",
            "certificate",
            "validation_record",
            "certificate_validation",
            "alias_record",
            "web_acl",
            "web_acl_association",
            "access_logs_bucket",
            "access_logs_encryption",
            "access_logs_public_access_block",
            "access_logs_ownership_controls",
            "access_logs_lifecycle",
            "access_logs_policy",
        }
    )

    alb: aws.lb.LoadBalancer
    security_group: aws.ec2.SecurityGroup
    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    url: pulumi.Output[str]
    listener: aws.lb.Listener
    http_listener: aws.lb.Listener
    https_listener: aws.lb.Listener | None
    access_logs_bucket: aws.s3.Bucket | None
    certificate: aws.acm.Certificate | None
    certificate_validation: aws.acm.CertificateValidation | None
    alias_records: list[aws.route53.Record]
    web_acl: aws.wafv2.WebAcl | None
    hosted_zone_id: pulumi.Output[str] | None

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        _validate(name, args)
        super().__init__("tierup:load_balancer:LoadBalancer", name, args.transform, opts)
        self._args = args
        self.https = args.certificate_arn is not None or args.domain is not None
        self.hosted_zone_id = self._find_hosted_zone()
        certificate_arn = self._create_certificate()
        self._create_security_group()
        self._create_access_logs_bucket()
        self._create_load_balancer()
        self._create_listeners(certificate_arn)
        self.alias_records = self._create_alias_records()
        self.web_acl = self._create_web_acl()
        self.arn = self.alb.arn
        self.arn_suffix = self.alb.arn_suffix
        self.dns_name = self.alb.dns_name
        self.zone_id = self.alb.zone_id
        host: pulumi.Input[str] = args.domain or self.alb.dns_name
        self.url = pulumi.Output.concat("https://" if self.https else "http://", host)
        self.register_outputs(
            {
                "arn": self.arn,
                "arnSuffix": self.arn_suffix,
                "dnsName": self.dns_name,
                "zoneId": self.zone_id,
                "url": self.url,
                "securityGroupId": self.security_group.id,
                "listenerArn": self.listener.arn,
                "accessLogsBucket": self.access_logs_bucket.bucket if self.access_logs_bucket else None,
                "certificateArn": self.certificate.arn if self.certificate else args.certificate_arn,
                "webAclArn": self.web_acl.arn if self.web_acl else None,
            }
        )

    # ---- steps ---------------------------------------------------------------------------

    def _find_hosted_zone(self) -> pulumi.Output[str] | None:
        """The zone id of ``domain``: given as an id, looked up by name, or the longest existing public
        parent zone of ``domain`` among the account's zones (an invoke that fails would fail the program,
        so zones are listed rather than probed)."""
        domain, zone = self._args.domain, self._args.hosted_zone
        if domain is None:
            return None
        if zone is not None and _ZONE_ID.match(zone):
            return pulumi.Output.from_input(zone)
        invoke_opts = pulumi.InvokeOptions(parent=self)
        if zone is not None:
            found = aws.route53.get_zone(name=zone.rstrip("."), private_zone=False, opts=invoke_opts)
            return pulumi.Output.from_input(found.zone_id)
        candidates = parent_zones(domain)
        public = {}
        for zone_id in aws.route53.get_zones(opts=invoke_opts).ids:
            found = aws.route53.get_zone(zone_id=zone_id, opts=invoke_opts)
            if not found.private_zone:
                public[found.name.rstrip(".").lower()] = found.zone_id
        for candidate in candidates:  # longest first
            if candidate in public:
                return pulumi.Output.from_input(public[candidate])
        raise ValueError(
            f"LoadBalancer '{self._name}': no public Route 53 hosted zone for '{domain}' or a parent "
            f"({', '.join(candidates)}) in this account; create one, or set hosted_zone to its name or id"
        )

    def _create_certificate(self) -> pulumi.Input[str] | None:
        """ACM certificate for ``domain``, its DNS validation record, and the wait for it to be issued.

        Returns the ARN listeners use: the validation's, so no listener is created before the certificate
        is issued (a bring-your-own ``certificate_arn`` is used as given).
        """
        self.certificate = None
        self.certificate_validation = None
        domain = self._args.domain
        if domain is None or self.hosted_zone_id is None:
            return self._args.certificate_arn
        self.certificate = self.child(
            "certificate",
            aws.acm.Certificate,
            f"{self._name}-cert",
            {
                "domain_name": domain,
                "validation_method": "DNS",
                "key_algorithm": "EC_prime256v1",
                "tags": tags(f"{self._name}-cert"),
            },
        )
        option = self.certificate.domain_validation_options[0]
        record = self.child(
            "validation_record",
            aws.route53.Record,
            f"{self._name}-cert-validation",
            {
                "zone_id": self.hosted_zone_id,
                "name": option.resource_record_name,
                "type": option.resource_record_type,
                "records": [option.resource_record_value],
                "ttl": 60,
                # the same CNAME validates every certificate of this name (a replacement or another stack)
                "allow_overwrite": True,
            },
        )
        self.certificate_validation = self.child(
            "certificate_validation",
            aws.acm.CertificateValidation,
            f"{self._name}-cert",
            {"certificate_arn": self.certificate.arn, "validation_record_fqdns": [record.fqdn]},
        )
        return self.certificate_validation.certificate_arn

    def _create_alias_records(self) -> list[aws.route53.Record]:
        """Alias A and AAAA records of ``domain`` to the ALB (AAAA answers once the ALB is dual-stack)."""
        if self._args.domain is None or self.hosted_zone_id is None:
            return []
        return [
            self.child(
                "alias_record",
                aws.route53.Record,
                f"{self._name}-alias-{kind.lower()}",
                {
                    "zone_id": self.hosted_zone_id,
                    "name": self._args.domain,
                    "type": kind,
                    "aliases": [
                        {
                            "name": self.alb.dns_name,
                            "zone_id": self.alb.zone_id,
                            "evaluate_target_health": True,
                        }
                    ],
                    "allow_overwrite": False,
                },
            )
            for kind in ("A", "AAAA")
        ]

    def _create_web_acl(self) -> aws.wafv2.WebAcl | None:
        """A regional web ACL (per-IP rate limit first, then the managed rule groups) on the ALB."""
        if not self._args.waf:
            return None
        metric = re.sub(r"[^A-Za-z0-9_-]", "-", self._name)

        def visibility(suffix: str) -> dict[str, Any]:
            return {
                "cloudwatch_metrics_enabled": True,
                "metric_name": f"{metric}-{suffix}"[:128],
                "sampled_requests_enabled": True,
            }

        rules: list[dict[str, Any]] = [
            {
                "name": "rate-limit-per-ip",
                "priority": 0,
                "action": {"block": {}},
                "statement": {
                    "rate_based_statement": {
                        "limit": self._args.rate_limit_per_5_minutes,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": 300,
                    }
                },
                "visibility_config": visibility("rate-limit"),
            }
        ]
        for priority, group in enumerate(WAF_MANAGED_RULE_GROUPS, start=1):
            rules.append(
                {
                    "name": group,
                    "priority": priority,
                    "override_action": {"none": {}},
                    "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
                    "visibility_config": visibility(group),
                }
            )
        acl = self.child(
            "web_acl",
            aws.wafv2.WebAcl,
            f"{self._name}-waf",
            {
                "scope": "REGIONAL",
                "description": f"tierup load balancer {self._name}: managed rules and a per-IP rate limit",
                "default_action": {"allow": {}},
                "rules": rules,
                "visibility_config": visibility("acl"),
                "tags": tags(f"{self._name}-waf"),
            },
        )
        self.child(
            "web_acl_association",
            aws.wafv2.WebAclAssociation,
            f"{self._name}-waf",
            {"resource_arn": self.alb.arn, "web_acl_arn": acl.arn},
        )
        return acl

    def _create_security_group(self) -> None:
        """The ALB's group: 80 (and 443 with a certificate) in, nothing out until :meth:`allow_to`."""
        self.security_group = self.child(
            "security_group",
            aws.ec2.SecurityGroup,
            f"{self._name}-alb",
            {
                "vpc_id": self._args.network.vpc_id,
                "description": f"tierup load balancer {self._name}: HTTP(S) in, targets out",
                "tags": tags(f"{self._name}-alb"),
            },
        )
        ports = [80, 443] if self.https else [80]
        if self._args.internal:
            sources = [("vpc", {"cidr_ipv4": self._args.network.cidr_block})]
        else:
            sources = [("ipv4", {"cidr_ipv4": "0.0.0.0/0"}), ("ipv6", {"cidr_ipv6": "::/0"})]
        for port in ports:
            for label, source in sources:
                self.child(
                    "ingress_rule",
                    aws.vpc.SecurityGroupIngressRule,
                    f"{self._name}-alb-{port}-{label}",
                    {
                        "security_group_id": self.security_group.id,
                        "ip_protocol": "tcp",
                        "from_port": port,
                        "to_port": port,
                        "description": f"{'HTTPS' if port == 443 else 'HTTP'} from clients",
                        **source,
                    },
                )

    def _create_access_logs_bucket(self) -> None:
        self.access_logs_bucket = None
        self._bucket_policy: aws.s3.BucketPolicy | None = None
        if not self._args.access_logs:
            return
        protect = self._args.protect
        keep = pulumi.ResourceOptions(protect=True, retain_on_delete=True) if protect else None
        bucket = self.child(
            "access_logs_bucket",
            aws.s3.Bucket,
            f"{self._name}-access-logs",
            # an unprotected (dev) bucket empties itself on destroy; a protected one never does
            {"force_destroy": not protect, "tags": tags(f"{self._name}-access-logs")},
            keep,
        )
        self.child(
            "access_logs_encryption",
            aws.s3.BucketServerSideEncryptionConfiguration,
            f"{self._name}-access-logs",
            # ALB access logs support SSE-S3 only
            {
                "bucket": bucket.id,
                "rules": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            },
        )
        public_access_block = self.child(
            "access_logs_public_access_block",
            aws.s3.BucketPublicAccessBlock,
            f"{self._name}-access-logs",
            {
                "bucket": bucket.id,
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
        )
        self.child(
            "access_logs_ownership_controls",
            aws.s3.BucketOwnershipControls,
            f"{self._name}-access-logs",
            {"bucket": bucket.id, "rule": {"object_ownership": "BucketOwnerEnforced"}},
        )
        self.child(
            "access_logs_lifecycle",
            aws.s3.BucketLifecycleConfiguration,
            f"{self._name}-access-logs",
            {
                "bucket": bucket.id,
                "rules": [
                    {
                        "id": "expire-access-logs",
                        "status": "Enabled",
                        "filter": {"prefix": ""},
                        "expiration": {"days": self._args.access_log_retention_days},
                        "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                    }
                ],
            },
        )
        self._bucket_policy = self.child(
            "access_logs_policy",
            aws.s3.BucketPolicy,
            f"{self._name}-access-logs",
            {"bucket": bucket.id, "policy": pulumi.Output.json_dumps(self._log_delivery_policy(bucket))},
            # S3 rejects a policy granting a principal while the public access block is being set up
            pulumi.ResourceOptions(depends_on=[public_access_block]),
        )
        self.access_logs_bucket = bucket

    def _log_delivery_policy(self, bucket: aws.s3.Bucket) -> dict[str, Any]:
        """Who may write logs: the ELB log-delivery service (and the region's legacy ELB account)."""
        account = aws_context(self).account_id
        objects = pulumi.Output.concat(bucket.arn, f"/AWSLogs/{account}/*")
        principals: list[dict[str, Any]] = [{"Service": LOG_DELIVERY_PRINCIPAL}]
        # Regions opened before August 2022 deliver from a regional ELB account too; newer regions have
        # none (the lookup fails there) and the service principal above is all they need.
        legacy_account = elb_service_account_arn(self)
        if legacy_account:
            principals.append({"AWS": legacy_account})
        statements: list[dict[str, Any]] = [
            {
                "Sid": f"ElbLogDelivery{i}",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": objects,
            }
            for i, principal in enumerate(principals)
        ]
        statements.append(
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
        return {"Version": "2012-10-17", "Statement": statements}

    def _create_load_balancer(self) -> None:
        network = self._args.network
        lb_args: dict[str, Any] = {
            "load_balancer_type": "application",
            "internal": self._args.internal,
            "subnets": network.private_subnet_ids if self._args.internal else network.public_subnet_ids,
            "security_groups": [self.security_group.id],
            "idle_timeout": self._args.idle_timeout_seconds,
            "drop_invalid_header_fields": True,
            "enable_deletion_protection": self._args.deletion_protection,
            "tags": tags(self._name),
        }
        depends_on: list[pulumi.Resource] = []
        if self.access_logs_bucket is not None and self._bucket_policy is not None:
            lb_args["access_logs"] = {"bucket": self.access_logs_bucket.bucket, "enabled": True}
            depends_on.append(self._bucket_policy)  # ELB checks it may write before enabling logs
        self.alb = self.child(
            "load_balancer",
            aws.lb.LoadBalancer,
            self._name,
            lb_args,
            pulumi.ResourceOptions(depends_on=depends_on),
        )

    def _create_listeners(self, certificate_arn: pulumi.Input[str] | None) -> None:
        self.https_listener = None
        if self.https:
            self.https_listener = self.child(
                "https_listener",
                aws.lb.Listener,
                f"{self._name}-https",
                {
                    "load_balancer_arn": self.alb.arn,
                    "port": 443,
                    "protocol": "HTTPS",
                    "ssl_policy": TLS_POLICY,
                    "certificate_arn": certificate_arn,
                    "default_actions": [NOT_FOUND_ACTION],
                    "tags": tags(f"{self._name}-https"),
                },
            )
            http_default: dict[str, Any] = {
                "type": "redirect",
                "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
            }
        else:
            http_default = NOT_FOUND_ACTION
        self.http_listener = self.child(
            "http_listener",
            aws.lb.Listener,
            f"{self._name}-http",
            {
                "load_balancer_arn": self.alb.arn,
                "port": 80,
                "protocol": "HTTP",
                "default_actions": [http_default],
                "tags": tags(f"{self._name}-http"),
            },
        )
        self.listener = self.https_listener or self.http_listener

    # ---- wiring --------------------------------------------------------------------------

    @functools.cached_property
    def routes(self) -> RouteTable:
        """The routes on :attr:`listener` so far (names, conditions, priorities)."""
        return RouteTable()

    def add_route(
        self,
        name: str,
        target_group: aws.lb.TargetGroup,
        *,
        host_patterns: list[str] | None = None,
        path_patterns: list[str] | None = None,
        priority: int | None = None,
    ) -> aws.lb.ListenerRule:
        """Forward requests matching ``host_patterns`` and/or ``path_patterns`` to ``target_group``.

        Rules are evaluated by ascending ``priority`` (1 to 50000, unique per listener); a request no
        rule matches gets the listener's 404. Without ``priority`` one is assigned so that more specific
        routes win (host and path, then host, then specific paths, then ``/*``; see
        ``tierup.routing``). A priority already used on this listener, or the same hosts and paths as
        another route, is refused with a ``ValueError`` naming both routes.
        """
        try:
            route = self.routes.add(name, hosts=host_patterns, paths=path_patterns, priority=priority)
        except ValueError as error:
            raise ValueError(f"LoadBalancer '{self._name}': {error}") from None
        conditions: list[dict[str, Any]] = []
        if route.hosts:
            conditions.append({"host_header": {"values": list(route.hosts)}})
        if route.paths:
            conditions.append({"path_pattern": {"values": list(route.paths)}})
        return self.child(
            "listener_rule",
            aws.lb.ListenerRule,
            f"{self._name}-{name}",
            {
                "listener_arn": self.listener.arn,
                "priority": route.priority,
                "actions": [{"type": "forward", "target_group_arn": target_group.arn}],
                "conditions": conditions,
                "tags": tags(f"{self._name}-{name}"),
            },
        )

    def allow_to(
        self, name: str, security_group: aws.ec2.SecurityGroup, port: int
    ) -> tuple[aws.vpc.SecurityGroupEgressRule, aws.vpc.SecurityGroupIngressRule]:
        """Let the ALB reach ``security_group`` on ``port`` (traffic and health checks), both ways:
        egress from the ALB's group and the matching ingress on the target's group."""
        egress = self.child(
            "egress_rule",
            aws.vpc.SecurityGroupEgressRule,
            f"{self._name}-to-{name}",
            {
                "security_group_id": self.security_group.id,
                "referenced_security_group_id": security_group.id,
                "ip_protocol": "tcp",
                "from_port": port,
                "to_port": port,
                "description": f"to {name} on {port}",
            },
        )
        ingress = self.child(
            "target_ingress_rule",
            aws.vpc.SecurityGroupIngressRule,
            f"{self._name}-{name}-from-alb",
            {
                "security_group_id": security_group.id,
                "referenced_security_group_id": self.security_group.id,
                "ip_protocol": "tcp",
                "from_port": port,
                "to_port": port,
                "description": f"from load balancer {self._name} on {port}",
            },
        )
        return egress, ingress


def parent_zones(domain: str) -> list[str]:
    """The zone names that may hold ``domain``, longest first: ``a.b.example.com`` → itself,
    ``b.example.com``, ``example.com`` (a zone is never a bare top-level domain)."""
    labels = domain.rstrip(".").lower().split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def _validate(name: str, args: LoadBalancerArgs) -> None:
    label = f"LoadBalancer '{name}'"
    if len(args.network.azs) < 2:
        raise ValueError(
            f"{label}: an ALB needs subnets in at least 2 AZs; "
            f"the network has {len(args.network.azs)} (raise az_count)"
        )
    if args.domain is not None and args.certificate_arn is not None:
        raise ValueError(
            f"{label}: give domain (tierup creates and validates the certificate) or certificate_arn "
            "(bring your own), not both"
        )
    if args.domain is not None and not _FQDN.match(args.domain.rstrip(".").lower()):
        raise ValueError(f"{label}: domain '{args.domain}' is not a fully qualified domain name")
    if args.hosted_zone is not None and args.domain is None:
        raise ValueError(f"{label}: hosted_zone is only used with domain; set domain too")
    low, high = RATE_LIMIT_RANGE
    if not low <= args.rate_limit_per_5_minutes <= high:
        raise ValueError(
            f"{label}: rate_limit_per_5_minutes must be {low} to {high} (got {args.rate_limit_per_5_minutes})"
        )
