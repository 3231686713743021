"""The AWS facts every module shares: instance architectures, ECR registries, env var names."""

import pytest

from tierup.aws_facts import (
    ami_parameter,
    architecture,
    docker_platform,
    ecr_registry,
    env_name,
    instance_family,
)


@pytest.mark.parametrize(
    ("instance_type", "expected"),
    [
        ("t4g.small", "arm64"),
        ("m7g.large", "arm64"),
        ("c7gn.16xlarge", "arm64"),
        ("r8g.medium", "arm64"),
        ("a1.medium", "arm64"),  # first-generation Graviton has no 'g' option
        ("t3.micro", "x86_64"),
        ("m7i-flex.large", "x86_64"),
        ("c6gd.xlarge", "arm64"),
        ("u-6tb1.metal", "x86_64"),
        ("cache.t4g.small", "arm64"),
        ("db.r6g.large", "arm64"),
    ],
)
def test_architecture_of_instance_types(instance_type: str, expected: str) -> None:
    assert architecture(instance_type) == expected


def test_platform_and_ami_follow_the_architecture() -> None:
    assert docker_platform("a1.large") == "linux/arm64"
    assert docker_platform("t3.small") == "linux/amd64"
    assert ami_parameter("a1.large").endswith("-arm64")
    assert ami_parameter("t3.small").endswith("-x86_64")


def test_malformed_instance_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"family\.size"):
        instance_family("t4g")


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
            ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1"),
        ),
        (
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web:1",
            ("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com", "us-east-1"),
        ),
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web:1",
            ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ),
        ("nginx:1.27", None),
        ("ghcr.io/acme/web:1", None),
    ],
)
def test_ecr_registry(image: str, expected: tuple[str, str] | None) -> None:
    assert ecr_registry(image) == expected


def test_env_name_is_upper_snake() -> None:
    assert env_name("image-jobs") == "IMAGE_JOBS"
    assert env_name("emails") == "EMAILS"
