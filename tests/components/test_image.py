"""ContainerImage: hardened ECR repository, lifecycle policy, platform-matched build and push by digest."""

from __future__ import annotations

import contextlib
import gc
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from tierup.components.image import ContainerImage, ContainerImageArgs, content_tag

from tierup.engine import wire
from tierup.engine.evaluation import Evaluation
from tierup.engine.runtime import evaluate_inline

REPO = "aws:ecr/repository:Repository"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
IMAGE = "docker:index/image:Image"
COMPONENT = "tierup:image:ContainerImage"


def make_context(root: Path, body: str = "FROM public.ecr.aws/docker/library/python:3.12-slim\n") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Dockerfile").write_text(body)
    (root / "app.py").write_text("print('hello')\n")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def evaluate(args: ContainerImageArgs) -> Evaluation:
    def program() -> None:
        image = ContainerImage("web-image", args)
        pulumi.export("imageUri", image.image_uri)
        pulumi.export("tag", image.tag)

    return evaluate_inline(program, project="t", stack="prod", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_context(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def arm(context: Path) -> Evaluation:
    return evaluate(ContainerImageArgs(context=str(context), keep_images=5))


@pytest.fixture(scope="module")
def intel(context: Path) -> Evaluation:
    return evaluate(
        ContainerImageArgs(
            context=str(context), instance_type="m7i.large", build_args={"RUBY_VERSION": "3.3"}
        )
    )


# ---- repository -------------------------------------------------------------------------------


def test_repository_scans_refuses_tag_overwrites_and_encrypts(arm: Evaluation) -> None:
    repo = arm.one(type=REPO)
    assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert repo.inputs["forceDelete"] is False


def test_lifecycle_policy_keeps_the_last_n_images(arm: Evaluation) -> None:
    policy = arm.one(type=LIFECYCLE)
    assert policy.inputs["repository"] == arm.one(type=REPO).outputs["name"]
    (rule,) = json.loads(policy.inputs["policy"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}
    assert rule["action"] == {"type": "expire"}


# ---- build and push ---------------------------------------------------------------------------


def test_graviton_instances_get_an_arm64_build(arm: Evaluation, context: Path) -> None:
    build = arm.one(type=IMAGE).inputs["build"]
    assert build["platform"] == "linux/arm64"
    assert build["context"] == str(context)
    assert build["dockerfile"] == str(context / "Dockerfile")


def test_intel_instances_get_an_amd64_build_with_args(intel: Evaluation) -> None:
    build = intel.one(type=IMAGE).inputs["build"]
    assert build["platform"] == "linux/amd64"
    assert build["args"] == {"RUBY_VERSION": "3.3"}


def test_image_is_pushed_to_the_repository_with_a_content_tag(arm: Evaluation) -> None:
    repo_url = arm.one(type=REPO).outputs["repositoryUrl"]
    image = arm.one(type=IMAGE)
    assert image.inputs["imageName"] == f"{repo_url}:{arm.outputs['tag']}"
    assert arm.outputs["tag"].startswith("c-") and len(arm.outputs["tag"]) == 18
    assert not image.inputs.get("skipPush")


def test_registry_credentials_come_from_ecr_with_a_secret_password(arm: Evaluation) -> None:
    registry = arm.one(type=IMAGE).inputs["registry"]
    assert registry["server"] == arm.one(type=REPO).outputs["repositoryUrl"]
    assert wire.plain(registry["username"]) == "AWS"
    assert wire.is_secret(registry["password"])
    assert wire.masked(registry)["password"] == wire.MASK


def test_image_uri_is_the_pushed_digest(arm: Evaluation) -> None:
    repo_url = arm.one(type=REPO).outputs["repositoryUrl"]
    uri = arm.outputs["imageUri"]
    assert uri == arm.one(type=IMAGE).outputs["repoDigest"]
    assert uri.startswith(f"{repo_url}@sha256:")


def test_children_are_parented_and_outputs_registered(arm: Evaluation) -> None:
    component = arm.one(type=COMPONENT)
    assert {r.type for r in arm.children(component.urn)} == {REPO, LIFECYCLE, IMAGE}
    assert component.outputs["imageUri"] == arm.outputs["imageUri"]


# ---- content tag --------------------------------------------------------------------------------


def test_tag_changes_exactly_when_the_build_input_changes(tmp_path: Path) -> None:
    context = make_context(tmp_path / "app")
    dockerfile = str(context / "Dockerfile")
    first = content_tag(str(context), dockerfile, "linux/arm64", {})
    assert content_tag(str(context), dockerfile, "linux/arm64", {}) == first
    (context / ".git" / "HEAD").write_text("ref: refs/heads/other\n")
    assert content_tag(str(context), dockerfile, "linux/arm64", {}) == first  # VCS metadata is ignored
    assert content_tag(str(context), dockerfile, "linux/amd64", {}) != first
    assert content_tag(str(context), dockerfile, "linux/arm64", {"A": "1"}) != first
    (context / "app.py").write_text("print('changed')\n")
    assert content_tag(str(context), dockerfile, "linux/arm64", {}) != first


def test_explicit_tag_and_dockerfile(tmp_path: Path) -> None:
    context = make_context(tmp_path / "app")
    other = tmp_path / "Dockerfile.prod"
    other.write_text("FROM scratch\n")
    ev = evaluate(ContainerImageArgs(context=str(context), dockerfile=str(other), tag="v1.2.3"))
    image = ev.one(type=IMAGE)
    assert image.inputs["imageName"].endswith(":v1.2.3")
    assert image.inputs["build"]["dockerfile"] == str(other)


# ---- errors and transforms -----------------------------------------------------------------------


def _refused(args: ContainerImageArgs, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        evaluate(args)
    with contextlib.suppress(Exception):
        evaluate_inline(lambda: None)
    gc.collect()


def test_missing_context_or_dockerfile_is_refused(tmp_path: Path) -> None:
    _refused(ContainerImageArgs(context=str(tmp_path / "nope")), "is not a folder")
    (tmp_path / "empty").mkdir()
    _refused(ContainerImageArgs(context=str(tmp_path / "empty")), "Dockerfile .* not found")
    context = make_context(tmp_path / "app")
    _refused(ContainerImageArgs(context=str(context), keep_images=0), "keep_images must be at least 1")


def test_transform_dict_and_callable(context: Path) -> None:
    def mutable(args: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        args["image_tag_mutability"] = "MUTABLE"

    ev = evaluate(
        ContainerImageArgs(
            context=str(context), transform={"repository": mutable, "image": {"build_on_preview": True}}
        )
    )
    assert ev.one(type=REPO).inputs["imageTagMutability"] == "MUTABLE"
    assert ev.one(type=IMAGE).inputs["buildOnPreview"] is True


def test_unknown_transform_key_is_an_error(context: Path) -> None:
    _refused(
        ContainerImageArgs(context=str(context), transform={"repo": {}}),
        r"unknown transform key\(s\) repo; valid keys: image, lifecycle_policy, repository",
    )
