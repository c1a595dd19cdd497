"""Each package's public face is pinned: the names its ``__all__`` exports are listed in
tests/public_faces.json, so a name that appears or vanishes is a decision made in a review,
not a side effect of moving code between private modules.

After a deliberate change, write the list anew with
``.venv/bin/python tests/test_public_faces.py`` and commit it with the change."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

import gateway
import ssgw_adapters

FACES = Path(__file__).with_name("public_faces.json")


def _packages() -> list[ModuleType]:
    found = [gateway, ssgw_adapters]
    for root in (gateway, ssgw_adapters):
        for info in pkgutil.walk_packages(root.__path__, root.__name__ + "."):
            if info.ispkg:
                found.append(importlib.import_module(info.name))
    return sorted(found, key=lambda package: package.__name__)


def _faces() -> dict[str, list[str]]:
    return {package.__name__: sorted(getattr(package, "__all__", [])) for package in _packages()}


def test_every_package_exports_what_is_pinned() -> None:
    pinned = json.loads(FACES.read_text("utf-8"))
    faces = _faces()
    changes = {
        name: {
            "added": sorted(set(faces.get(name, [])) - set(pinned.get(name, []))),
            "removed": sorted(set(pinned.get(name, [])) - set(faces.get(name, []))),
        }
        for name in sorted(set(pinned) | set(faces))
        if faces.get(name) != pinned.get(name)
    }
    assert not changes, f"the public faces changed; if on purpose, run {FACES.stem}: {changes}"


@pytest.mark.parametrize("package", _packages(), ids=lambda package: package.__name__)
def test_every_exported_name_exists_and_nothing_public_is_left_out(package: ModuleType) -> None:
    exported = getattr(package, "__all__", None)
    assert exported is not None, f"{package.__name__} has no __all__"
    assert len(set(exported)) == len(exported), "a name is exported twice"
    missing = [name for name in exported if not hasattr(package, name)]
    assert not missing, f"exported but not there: {missing}"
    # Classes and functions written in the package's own __init__ are its face too.
    defined_here = [
        name
        for name, value in vars(package).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__ == package.__name__
    ]
    assert set(defined_here) <= set(exported), f"public but not exported: {defined_here}"


if __name__ == "__main__":
    FACES.write_text(json.dumps(_faces(), indent=2) + "\n", "utf-8")
    sys.stdout.write(f"wrote {FACES}\n")
