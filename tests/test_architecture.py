"""The architecture stays true: layer contracts, every package placed, modules small.

The layers and the rules between them are in pyproject.toml ([tool.importlinter]) and
described in docs/architecture.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "hoggar"
MAX_LINES = 420  # "no module over ~400 lines"


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (scripts/setup-venv dev installs it)")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(exe), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [m.strip() for layer in contract["layers"] for m in layer.split("|")]


def test_the_layer_contracts_hold() -> None:
    run = _lint_imports(ROOT / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_an_upward_import_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts bite: the kernel importing the web interface is reported."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "hoggar", ignore=shutil.ignore_patterns("__pycache__"))
    ids = copy / "hoggar" / "kernel" / "ids.py"
    ids.write_text(ids.read_text() + "\nimport hoggar.web.common  # noqa\n")
    run = _lint_imports(copy)
    assert run.returncode != 0
    assert "hoggar.kernel.ids -> hoggar.web.common" in run.stdout
    assert "BROKEN" in run.stdout


def test_every_package_and_top_level_module_has_a_layer() -> None:
    placed = set(_layers())
    found = {
        f"hoggar.{p.stem}"
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name != "__init__.py")
    }
    assert found - placed == set(), "give these a layer in pyproject.toml"
    assert placed - found == set(), "these layers name nothing"


def test_no_module_is_over_about_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
