"""Secrets: Pulumi secret config values go only through ``secrets``, and no message shows one.

Config is given as the Pulumi language host passes it: structured values JSON-encoded, the secret keys
listed (``pulumi.runtime.set_all_config(config, secret_keys)``), the ``secure:`` leaves found in the stack file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from tierup.engine.project import secret_placeholder
from tierup.settings import SecretSource, SettingsError, StackSettings, load_settings, secure_paths

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2"
STRIPE = "sk_live_51HxQ2eLkDf8s7TqA9vB3nC4"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe-AbCdEf"
SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/shop/stripe"


def _no_piece_of(secret: str, text: str) -> None:
    for size in (6, len(secret)):
        for start in range(len(secret) - size + 1):
            assert secret[start : start + size] not in text, f"{secret[start : start + size]!r} leaked"


@pytest.fixture
def program(monkeypatch, tmp_path):
    """A running program's config, set as the language host sets it, with its stack file on disk."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    monkeypatch.setattr(pulumi, "get_root_directory", lambda: str(tmp_path))
    monkeypatch.chdir(tmp_path / "stacks")
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_SECRET_KEYS", raising=False)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    token, keys = runtime_config.CONFIG.set({}), runtime_config._SECRET_KEYS.set(set())

    def _run(stack_config: dict, decrypted: dict, *, write_file: bool = True) -> StackSettings:
        """``stack_config``: the stack file's ``config`` (with ``{secure: ...}`` leaves); ``decrypted``:
        the values the language host passes (secure leaves decrypted, structured values as JSON)."""
        if write_file:
            (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(yaml.safe_dump({"config": stack_config}))
        secret_keys = [key for key, value in stack_config.items() if "secure" in json.dumps(value)]
        wire = {k: v if isinstance(v, str) else json.dumps(v) for k, v in decrypted.items()}
        pulumi.runtime.set_all_config(wire, secret_keys)
        return StackSettings.from_pulumi_config()

    yield _run
    runtime_config.CONFIG.reset(token)
    runtime_config._SECRET_KEYS.reset(keys)


def _services(env: dict | None = None, secrets: dict | None = None) -> dict:
    return {"web": {"image": IMAGE, "env": env or {}, "secrets": secrets or {}}}


def _base(services: dict) -> dict:
    return {"tierup:environment": "dev", "aws:region": "us-east-1", "tierup:services": services}


def test_a_secret_in_env_is_refused_naming_the_key_and_secrets(program):
    stack = _base(_services(env={"RAILS_ENV": "production", "STRIPE": {"secure": "v1:AAAA"}}))
    decrypted = _base(_services(env={"RAILS_ENV": "production", "STRIPE": STRIPE}))
    with pytest.raises(SettingsError) as caught:
        program(stack, decrypted)
    message = str(caught.value)
    assert message == (
        "Pulumi.prod.yaml: tierup:services.web.env.STRIPE: is a Pulumi secret, and env is plain text (it lands in"
        " user data); move it to secrets (secrets.STRIPE), which tierup stores in Secrets Manager and the tier"
        " reads at boot"
    )
    _no_piece_of(STRIPE, message)


def test_a_secret_in_secrets_becomes_a_secret_source(program):
    stack = _base(
        _services(
            env={"RAILS_ENV": "production"}, secrets={"STRIPE": {"secure": "v1:AAAA"}, "DB": SECRET_ARN}
        )
    )
    decrypted = _base(
        _services(env={"RAILS_ENV": "production"}, secrets={"STRIPE": STRIPE, "DB": SECRET_ARN})
    )
    web = program(stack, decrypted).services["web"]
    assert web.env == {"RAILS_ENV": "production"}
    stripe, db = web.secrets["STRIPE"], web.secrets["DB"]
    assert (
        isinstance(stripe.value, SecretStr)
        and stripe.value.get_secret_value() == STRIPE
        and stripe.arn is None
    )
    assert db == SecretSource(arn=SECRET_ARN)
    assert STRIPE not in repr(web) and STRIPE not in str(web.model_dump())


def test_without_the_stack_file_every_value_of_a_secret_key_is_secret(program):
    """The language host marks only the top-level key secret: with no file to tell the leaves apart,
    env values under it are refused rather than risked in user data."""
    stack = _base(_services(env={"RAILS_ENV": "production"}, secrets={"STRIPE": {"secure": "v1:AAAA"}}))
    decrypted = _base(_services(env={"RAILS_ENV": "production"}, secrets={"STRIPE": STRIPE}))
    with pytest.raises(SettingsError) as caught:
        program(stack, decrypted, write_file=False)
    assert str(caught.value) == (
        "Pulumi.prod.yaml: tierup:services.web.env.RAILS_ENV: may be a Pulumi secret (its key is secret and the"
        " stack file could not be read to tell which values are), and env is plain text (it lands in user data);"
        " move it to secrets (secrets.RAILS_ENV), which tierup stores in Secrets Manager and the tier reads at boot"
    )
    only_secrets = _base(_services(secrets={"STRIPE": STRIPE}))
    web = program(stack, only_secrets, write_file=False).services["web"]
    assert web.secrets["STRIPE"].value.get_secret_value() == STRIPE


@pytest.mark.parametrize(
    ("field", "value"),
    [("image", STRIPE), ("port", STRIPE), ("healthCheckPath", STRIPE), ("command", [STRIPE])],
)
def test_no_message_shows_a_secret_anywhere(program, field, value):
    """A secret put where a plain value belongs is refused without showing it."""
    stack_value = {"secure": "v1:AAAA"} if not isinstance(value, list) else [{"secure": "v1:AAAA"}]
    stack = _base({"web": {"image": IMAGE, field: stack_value}})
    decrypted = _base({"web": {"image": IMAGE, field: value}})
    with pytest.raises(SettingsError) as caught:
        program(stack, decrypted)
    assert str(caught.value).startswith(f"Pulumi.prod.yaml: tierup:services.web.{field}")
    _no_piece_of(STRIPE, str(caught.value))


def test_secret_top_level_values_are_never_echoed(program):
    stack = {**_base(_services()), "tierup:environment": {"secure": "v1:AAAA"}}
    decrypted = {**_base(_services()), "tierup:environment": STRIPE}
    with pytest.raises(SettingsError) as caught:
        program(stack, decrypted)
    assert str(caught.value).startswith("Pulumi.prod.yaml: tierup:environment:")
    _no_piece_of(STRIPE, str(caught.value))


def test_offline_placeholders_are_recognised_without_secret_keys():
    """``tierup check`` validates the engine's config, where each ``secure:`` leaf is a placeholder."""
    placeholder = secret_placeholder("tierup:services.web.env.STRIPE")
    config = _base(_services(env={"STRIPE": placeholder}))
    with pytest.raises(SettingsError) as caught:
        load_settings(config, file="stacks/Pulumi.dev.yaml")
    assert str(caught.value).startswith(
        "stacks/Pulumi.dev.yaml: tierup:services.web.env.STRIPE: is a Pulumi secret"
    )
    placeholder = secret_placeholder("tierup:services.web.secrets.STRIPE")
    settings = load_settings(_base(_services(secrets={"STRIPE": placeholder})), file="x")
    assert settings.services["web"].secrets["STRIPE"].value is not None


def test_plain_values_in_secrets_must_be_arns_and_are_not_echoed(load, error):
    assert load("dev", services={"web": {"image": IMAGE, "secrets": {"A": SECRET_ARN, "B": SSM_ARN}}})
    message = error("dev", services={"web": {"image": IMAGE, "secrets": {"STRIPE": STRIPE}}})
    assert message.startswith(
        "stacks/Pulumi.test.yaml: tierup:services.web.secrets.STRIPE: must be a Secrets Manager secret ARN"
    )
    assert "Pulumi secret" in message
    _no_piece_of(STRIPE, message)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"DB_PASSWORD": "x"}, "env.DB_PASSWORD: looks like a secret; move it to secrets.DB_PASSWORD"),
        ({"GITHUB_TOKEN": "x"}, "env.GITHUB_TOKEN: looks like a secret"),
        ({"QUEUE_URL": "x"}, "env.QUEUE_URL: is set by tierup (the connection contract); remove it from env"),
        ({"EMAILS_QUEUE_URL": "x"}, "env.EMAILS_QUEUE_URL: is set by tierup"),
        ({"DATABASE_URL": "x"}, "env.DATABASE_URL: is set by tierup"),
        ({"A": "line\nbreak"}, "env.A: must not contain NUL or line breaks"),
        ({"A": "nul\x00"}, "env.A: must not contain NUL or line breaks"),
        ({"A": "x" * 9000}, "env: is too large (9003 bytes > 8192)"),
        ({"URL": "postgres://u:hunter2@db/x"}, "env.URL: contains a password in a URL"),
    ],
)
def test_env_holds_plain_strings_only(error, env, problem):
    message = error("dev", services={"web": {"image": IMAGE, "env": env}})
    assert message.startswith(f"stacks/Pulumi.test.yaml: tierup:services.web.{problem}")
    assert "hunter2" not in message


def test_a_name_in_env_and_secrets_is_refused(error):
    web = {"image": IMAGE, "env": {"STRIPE": "x"}, "secrets": {"STRIPE": SECRET_ARN}}
    assert error("dev", services={"web": web}) == (
        "stacks/Pulumi.test.yaml: tierup:services.web.env.STRIPE: is set in both env and secrets; keep it in"
        " secrets only"
    )


def test_secure_paths_of_a_stack_file(tmp_path: Path):
    stack = tmp_path / "Pulumi.prod.yaml"
    stack.write_text(
        yaml.safe_dump(
            {
                "config": {
                    "tierup:services": {
                        "web": {"secrets": {"A": {"secure": "x"}}, "command": ["a", {"secure": "y"}]}
                    },
                    "dbPassword": {"secure": "z"},
                    "tierup:config:redis": {"x": {"secure": "w"}},
                }
            }
        )
    )
    assert secure_paths(stack, "shop") == {
        "tierup:services.web.secrets.A",
        "tierup:services.web.command[1]",
        "shop:dbPassword",
        "tierup:redis.x",
    }


def test_from_pulumi_config_reads_the_language_host_config(program):
    settings = program(
        {}, {**_base(_services()), "tierup:environment": "prod", "tierup:loadBalancer": {"internal": True}}
    )
    assert (settings.stack, settings.region, settings.services["web"].min_size) == ("prod", "us-east-1", 2)


def test_from_pulumi_config_catches_unknown_keys(program):
    with pytest.raises(SettingsError) as caught:
        program({}, {**_base(_services()), "tierup:netwrk": "{}"})
    assert str(caught.value) == "Pulumi.prod.yaml: tierup:netwrk: unknown key; did you mean 'tierup:network'?"


def test_from_pulumi_config_region_falls_back_like_the_aws_provider(program, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    config = _base(_services())
    del config["aws:region"]
    assert program({}, config).region == "eu-north-1"


def test_from_pulumi_config_reads_pulumi_config_variables(program, monkeypatch):
    monkeypatch.setenv(
        "PULUMI_CONFIG", json.dumps({"tierup:environment": "dev", "tierup:services": json.dumps(_services())})
    )
    assert program({}, {}).services["web"].image == IMAGE


def test_a_secure_env_value_in_a_stack_file_is_refused_offline(tmp_path: Path):
    """What `tierup check` validates: the engine's config of a stack file with a ``secure:`` leaf in env."""
    from tierup.engine.project import load_project, load_stack_config

    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("")
    stack = {"config": {**_base(_services(env={"STRIPE_KEY": {"secure": "v1:AAAAAAAAsk_live_x"}}))}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    config = load_stack_config(load_project(tmp_path), "dev")
    with pytest.raises(SettingsError) as caught:
        load_settings(config.values, file="Pulumi.dev.yaml", secret_keys=config.secret_keys)
    assert str(caught.value).startswith(
        "Pulumi.dev.yaml: tierup:services.web.env.STRIPE_KEY: is a Pulumi secret"
    )
    assert "sk_live" not in str(caught.value) and "secrets.STRIPE_KEY" in str(caught.value)


def test_a_secret_in_a_schedule_message_is_refused(program):
    def config(leaf: object) -> dict:
        schedule = {"schedule": "rate(1 day)", "queue": "jobs", "message": {"token": leaf}}
        return {**_base(_services()), "tierup:queues": {"jobs": {}}, "tierup:schedules": {"s": schedule}}

    with pytest.raises(SettingsError) as caught:
        program(config({"secure": "v1:AAAA"}), config(STRIPE))
    assert str(caught.value) == (
        "Pulumi.prod.yaml: tierup:schedules.s.message: can't hold a Pulumi secret: the message is stored in plain"
        " text in the schedule"
    )


def test_secret_keys_from_the_language_host_environment(program, monkeypatch, tmp_path):
    """``pulumi up`` passes PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS; the stack file names the leaf."""
    services = _services(env={"STRIPE": STRIPE})
    monkeypatch.setenv(
        "PULUMI_CONFIG", json.dumps({"tierup:environment": "dev", "tierup:services": json.dumps(services)})
    )
    monkeypatch.setenv("PULUMI_CONFIG_SECRET_KEYS", json.dumps(["tierup:services"]))
    stack = {"tierup:environment": "dev", "tierup:services": _services(env={"STRIPE": {"secure": "v1:AAAA"}})}
    with pytest.raises(SettingsError) as caught:
        program(stack, {})
    assert "tierup:services.web.env.STRIPE: is a Pulumi secret" in str(caught.value)
    _no_piece_of(STRIPE, str(caught.value))
