"""The wheel carries everything a node reads at run time, and finds its schemas inside itself.

A container or a plain ``pip install`` runs from the wheel, not from the source tree, so a
file left out of it (an XSD, a migration, a template) would only show in production.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Source folder -> where its files land in the wheel, and which files a node reads.
CARRIED = {
    "gateway": ("gateway", ("*.py", "*.html", "*.css", "*.js", "*.mako")),
    "adapters/ssgw_adapters": ("ssgw_adapters", ("*.py",)),
    "schemas": ("gateway/schemas", ("*.xsd", "*.xml", "*.json")),
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, so the build leaves nothing in the tree."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in CARRIED:
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [
            sys.executable,
            *("-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation"),
            *("--quiet", "--wheel-dir", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (built,) = out.glob("ssgw-*.whl")
    return built


def expected_files() -> set[str]:
    found = set()
    for folder, (target, patterns) in CARRIED.items():
        for pattern in patterns:
            for path in (ROOT / folder).rglob(pattern):
                if "__pycache__" not in path.parts:
                    found.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return found


def test_the_wheel_carries_every_module_schema_migration_template_and_static_file(
    wheel: Path,
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = expected_files()
    # The expectation itself must cover what a node reads, or the comparison proves little.
    assert "gateway/schemas/v1/envelope.xsd" in expected
    assert "gateway/store/migrations/versions/0001_initial_schema.py" in expected
    assert "gateway/console/templates/base.html" in expected
    assert "gateway/console/static/console.css" in expected
    assert sorted(expected - names) == []


def test_the_wheel_declares_its_commands(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [n for n in archive.namelist() if n.endswith("entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "ssgw = gateway.cli:main" in text
    assert "ssgw-adapter = ssgw_adapters.cli:main" in text
    assert "ssgw-backoffice = gateway.demo.backoffice.cli:main" in text


def test_an_installed_wheel_reads_its_schemas_from_its_own_package_data(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # Run from elsewhere with the unpacked wheel first on the path: the source tree is not
    # reachable, so the schemas can only come from the wheel.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from pathlib import Path\n"
        "import gateway, gateway.documents as d\n"
        "assert Path(gateway.__file__).parent == Path(sys.argv[1]) / 'gateway', gateway.__file__\n"
        "assert d.SCHEMA_DIR == Path(sys.argv[1]) / 'gateway' / 'schemas', d.SCHEMA_DIR\n"
        "example = (d.SCHEMA_DIR / 'examples' / 'BenefitClaim.xml').read_bytes()\n"
        "print(d.validate_document(example).document_type.root_name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(site)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "BenefitClaim"
