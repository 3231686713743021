"""Lazy provider subpackages: the same objects, loaded one module at a time (in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run(code: str) -> str:
    prelude = "from tierup.engine import lazy_providers\nlazy_providers.install()\nimport sys\nimport pulumi_aws as aws\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_resource_loads_only_its_own_module() -> None:
    out = run(
        """
        vpc = aws.ec2.Vpc
        import importlib
        assert vpc is importlib.import_module("pulumi_aws.ec2.vpc").Vpc
        loaded = sorted(m for m in sys.modules if m.startswith("pulumi_aws.ec2."))
        print(loaded)
        """
    )
    assert out == "['pulumi_aws.ec2.vpc']"


def test_args_input_types_functions_and_submodules_resolve() -> None:
    out = run(
        """
        print(aws.ec2.LaunchTemplateArgs.__module__)
        print(aws.ec2.LaunchTemplateMetadataOptionsArgs.__module__)
        print(aws.ec2.get_ami.__module__, aws.ec2.get_ami_output.__module__, aws.ec2.GetAmiResult.__module__)
        print(aws.ec2.outputs.__name__)
        """
    )
    assert out.splitlines() == [
        "pulumi_aws.ec2.launch_template",
        "pulumi_aws.ec2._inputs",
        "pulumi_aws.ec2.get_ami pulumi_aws.ec2.get_ami pulumi_aws.ec2.get_ami",
        "pulumi_aws.ec2.outputs",
    ]


def test_dir_and_unknown_names_fall_back_to_the_whole_package() -> None:
    out = run(
        """
        aws.sqs.Queue  # pulumi_aws's own lazy module loads on first attribute access
        names = dir(aws.sqs)
        print("Queue" in names and "QueuePolicy" in names)
        try:
            aws.sqs.NoSuchThing
        except AttributeError as exc:
            print("AttributeError", exc)
        """
    )
    assert out.splitlines() == [
        "True",
        "AttributeError module 'pulumi_aws.sqs' has no attribute 'NoSuchThing'",
    ]
