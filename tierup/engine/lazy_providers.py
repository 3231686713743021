"""Load generated Pulumi provider packages one resource at a time.

``pulumi_aws.ec2/__init__.py`` star-imports all ~400 modules of the package and its 1.3 MB of input
types, so the first ``aws.ec2.Vpc`` costs half a second; a program that touches fourteen AWS
services pays over a second before declaring anything. Installed in the engine's child process,
this import hook makes each such subpackage lazy: ``aws.ec2.Vpc`` imports only
``pulumi_aws/ec2/vpc.py`` (and what it imports). The objects are the very same classes; a name the
hook cannot place (or ``dir()``, ``from … import *``) loads the whole package as usual.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

#: Provider packages whose subpackages are generated star-import barrels.
LAZY_PACKAGES = frozenset({"pulumi_aws"})

#: Small subpackages that must load as they are: ``pulumi_aws.config`` swaps its module class so
#: that ``aws.config.region`` is a property read from the stack's config.
EAGER_SUBPACKAGES = frozenset({"config"})

_SUFFIXES = ("ArgsDict", "Args", "Result")


def _snake(name: str) -> str:
    """Pulumi's Python names: ``SecurityGroupIngressRule`` → ``security_group_ingress_rule``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _candidates(name: str) -> list[str]:
    """Module files that may define ``name``, most likely first."""
    stem = name.removesuffix("_output")
    stem = stem.removeprefix("Awaitable") if stem.startswith("AwaitableGet") else stem
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and stem != suffix:
            stem = stem[: -len(suffix)]
            break
    return [_snake(stem), "_inputs", "outputs", "_enums"]


class _LazyPackage:
    """The module-level ``__getattr__``/``__dir__`` of one lazy subpackage."""

    def __init__(self, module: ModuleType, real_loader: importlib.abc.Loader) -> None:
        self.module = module
        self.real_loader = real_loader
        self.folder = Path(module.__path__[0])
        self.loaded_fully = False

    def getattr(self, name: str) -> Any:
        if name.startswith("__") or self.loaded_fully:
            raise AttributeError(f"module {self.module.__name__!r} has no attribute {name!r}")
        for candidate in _candidates(name):
            if (self.folder / f"{candidate}.py").is_file():
                submodule = importlib.import_module(f"{self.module.__name__}.{candidate}")
                if name in submodule.__dict__:  # get_ami the function, not get_ami the module
                    value = submodule.__dict__[name]
                    setattr(self.module, name, value)
                    return value
        if (self.folder / f"{name}.py").is_file() or (self.folder / name / "__init__.py").is_file():
            return importlib.import_module(f"{self.module.__name__}.{name}")  # e.g. `outputs`
        self.load_fully()
        try:
            return self.module.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {self.module.__name__!r} has no attribute {name!r}") from None

    def dir(self) -> list[str]:
        self.load_fully()
        return sorted(self.module.__dict__)

    def load_fully(self) -> None:
        if not self.loaded_fully:
            self.loaded_fully = True
            self.real_loader.exec_module(self.module)


class _LazyLoader(importlib.abc.Loader):
    def __init__(self, real: importlib.abc.Loader) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        lazy = _LazyPackage(module, self.real)
        module.__getattr__ = lazy.getattr  # type: ignore[method-assign]  # PEP 562
        module.__dir__ = lazy.dir  # type: ignore[method-assign]


class _LazyProviderFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Any, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        parts = fullname.split(".")
        if len(parts) != 2 or parts[0] not in LAZY_PACKAGES or parts[1] in EAGER_SUBPACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.submodule_search_locations:
            return None
        spec.loader = _LazyLoader(spec.loader)
        return spec


def install() -> None:
    """Make provider subpackages imported from now on lazy (idempotent)."""
    if not any(isinstance(finder, _LazyProviderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyProviderFinder())
