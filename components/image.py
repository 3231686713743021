"""ContainerImage: build the app's Dockerfile for the instances' architecture and push it to a private ECR repo."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from tierup.aws_facts import docker_platform

from ._base import TierComponent, Transforms, tags

#: Folders never hashed into the content tag (they do not change what the build sees in practice).
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".pulumi", ".venv", "node_modules"})


@dataclass
class ContainerImageArgs:
    """Arguments of :class:`ContainerImage`."""

    context: str
    """Build context folder, relative to the working directory (the Pulumi project folder)."""

    dockerfile: str | None = None
    """Dockerfile path, relative to the working directory (default ``<context>/Dockerfile``)."""

    instance_type: str = "t4g.small"
    """Instance type the image will run on; picks the platform (default ``t4g.small`` → ``linux/arm64``)."""

    platform: str | None = None
    """Override the build platform, e.g. ``linux/amd64`` (default: from ``instance_type``)."""

    build_args: Mapping[str, str] = field(default_factory=dict)
    """Docker ``--build-arg`` values (default none). Never put secrets here: they stay in the image."""

    tag: str | None = None
    """Image tag (default: a digest of the context files, Dockerfile, platform and build args, so an
    unchanged app is not rebuilt or re-pushed, and the repository's tags can stay immutable)."""

    keep_images: int = 10
    """Images the repository keeps; older ones expire (default 10, enough to roll back a few deploys)."""

    force_delete: bool = False
    """Let ``pulumi destroy`` delete the repository while it still holds images (default off)."""

    transform: Transforms | None = None
    """Adjust any child's args, keyed by the names in :attr:`ContainerImage.TRANSFORMABLE` (default none)."""


class ContainerImage(TierComponent):
    """A private ECR repository and the app's image, built for the tier's CPU architecture and pushed there.

    The repository scans every push for vulnerabilities, refuses to overwrite a tag, encrypts at rest
    and expires all but the last ``keep_images`` images. The push authenticates with a short-lived
    ECR token (kept secret in state), and :attr:`image_uri` is the pushed **digest**, so a tier
    rolls out exactly the image that was built::

        image = ContainerImage("web-image", ContainerImageArgs(context="./app", instance_type="t4g.small"))
        app = AppTier("web", AppTierArgs(network=network, load_balancer=alb, image=image.image_uri))

    Building needs a Docker engine (with ``buildx``/QEMU for a platform other than the host's) wherever
    ``pulumi up`` runs; ``tierup check`` evaluates the program without one.

    **Cost**: ECR storage $0.10/GB-month (ten 200 MB images: about $0.20/month); basic scanning is
    free; pulls from instances in the same region are free (they pass the NAT: $0.045/GB there).
    """

    TRANSFORMABLE = frozenset({"repository", "lifecycle_policy", "image"})

    repository: aws.ecr.Repository
    lifecycle_policy: aws.ecr.LifecyclePolicy
    image: pulumi.CustomResource  # a pulumi_docker.Image
    image_uri: pulumi.Output[str]
    repository_url: pulumi.Output[str]
    tag: str
    platform: str

    def __init__(
        self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        dockerfile = _validate(name, args)
        super().__init__("tierup:image:ContainerImage", name, args.transform, opts)
        self._args = args
        self.platform = args.platform or docker_platform(args.instance_type)
        self.tag = args.tag or content_tag(args.context, dockerfile, self.platform, args.build_args)
        self.repository = self._create_repository()
        self.repository_url = self.repository.repository_url
        self.lifecycle_policy = self._expire_old_images()
        self.image = self._build_and_push(dockerfile)
        self.image_uri = self.image.repo_digest
        self.register_outputs(
            {"repositoryUrl": self.repository_url, "imageUri": self.image_uri, "tag": self.tag}
        )

    # ---- steps ---------------------------------------------------------------------------

    def _create_repository(self) -> aws.ecr.Repository:
        return self.child(
            "repository",
            aws.ecr.Repository,
            self._name,
            {
                "image_scanning_configuration": {"scan_on_push": True},
                "image_tag_mutability": "IMMUTABLE",
                "encryption_configurations": [{"encryption_type": "AES256"}],
                "force_delete": self._args.force_delete,
                "tags": tags(self._name),
            },
        )

    def _expire_old_images(self) -> aws.ecr.LifecyclePolicy:
        keep = self._args.keep_images
        policy = {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Keep the last {keep} images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                    "action": {"type": "expire"},
                }
            ]
        }
        return self.child(
            "lifecycle_policy",
            aws.ecr.LifecyclePolicy,
            f"{self._name}-lifecycle",
            {"repository": self.repository.name, "policy": json.dumps(policy)},
        )

    def _build_and_push(self, dockerfile: str) -> pulumi.CustomResource:
        import pulumi_docker as docker  # here, not at the top: stacks that pull images skip its import cost

        token = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return self.child(
            "image",
            docker.Image,
            f"{self._name}-image",
            {
                "image_name": pulumi.Output.concat(self.repository.repository_url, ":", self.tag),
                "build": {
                    "context": self._args.context,
                    "dockerfile": dockerfile,
                    "platform": self.platform,
                    "args": dict(self._args.build_args),
                },
                "registry": {
                    "server": self.repository.repository_url,
                    "username": token.user_name,
                    "password": pulumi.Output.secret(token.password),
                },
            },
        )


def _validate(name: str, args: ContainerImageArgs) -> str:
    """The Dockerfile path, after checking the context and Dockerfile exist and the sizes make sense."""
    label = f"ContainerImage '{name}'"
    if not Path(args.context).is_dir():
        raise ValueError(
            f"{label}: build context '{args.context}' is not a folder (relative to {os.getcwd()})"
        )
    dockerfile = args.dockerfile or os.path.join(args.context, "Dockerfile")
    if not Path(dockerfile).is_file():
        raise ValueError(f"{label}: Dockerfile '{dockerfile}' not found (relative to {os.getcwd()})")
    if args.keep_images < 1:
        raise ValueError(f"{label}: keep_images must be at least 1 (got {args.keep_images})")
    return dockerfile


def content_tag(context: str, dockerfile: str, platform: str, build_args: Mapping[str, str]) -> str:
    """A tag that changes exactly when what the build sees changes: ``c-`` + 16 hex of a SHA-256."""
    digest = hashlib.sha256()
    digest.update(f"platform={platform}\n".encode())
    for key, value in sorted(build_args.items()):
        digest.update(f"arg {key}={value}\n".encode())
    digest.update(b"dockerfile\n" + Path(dockerfile).read_bytes())
    root = Path(context)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for file in sorted(files):
            path = Path(folder) / file
            if path.is_file():
                digest.update(f"file {path.relative_to(root).as_posix()}\n".encode())
                digest.update(path.read_bytes())
    return "c-" + digest.hexdigest()[:16]
