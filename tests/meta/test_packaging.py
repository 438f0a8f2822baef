"""What a user of the published package meets, checked against its sources of truth: the
license text against other packages' copies of Apache's, the Python classifiers against
the Pythons .ci/run tests and the locks cover."""

from __future__ import annotations

import hashlib
import re
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT: dict[str, Any] = PYPROJECT["project"]
HOME = "https://github.com/awsmith/awsmith"

#: SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the text every package
#: below ships unchanged.
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def _license_of(distribution: str, name: str) -> bytes:
    files = metadata.distribution(distribution).files or []
    [path] = [f for f in files if f.name == name]
    return path.read_binary()


# ---------------------------------------------------------------------- license


@pytest.mark.parametrize(
    ("distribution", "name"), [("sniffio", "LICENSE.APACHE2"), ("trio", "LICENSE.APACHE2")]
)
def test_the_license_is_apaches_text_as_other_packages_ship_it(distribution: str, name: str) -> None:
    text = (ROOT / "LICENSE").read_bytes()
    assert text == _license_of(distribution, name)
    assert hashlib.sha256(text).hexdigest() == APACHE_2_SHA256


def test_the_license_is_declared_and_shipped_by_name() -> None:
    """PEP 639: an SPDX expression, and the file in every artefact (License-File)."""
    assert (PROJECT["license"], PROJECT["license-files"]) == ("Apache-2.0", ["LICENSE"])
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]
    assert PYPROJECT["build-system"]["requires"] == ["setuptools>=77"]  # PEP 639 support


# ---------------------------------------------------------------------- Pythons


def ci_pythons() -> list[str]:
    """The Pythons .ci/run runs the whole suite on (its PYTHONS=(...) line)."""
    [line] = re.findall(r"^PYTHONS=\(([^)]*)\)$", (ROOT / ".ci" / "run").read_text(), re.M)
    return line.split()


def test_ci_tests_several_pythons_starting_at_the_lowest_supported() -> None:
    pythons = ci_pythons()
    assert pythons == sorted(pythons, key=Version) and len(pythons) >= 2
    assert PROJECT["requires-python"] == f">={pythons[0]}"


def test_the_python_classifiers_are_exactly_the_pythons_ci_tests() -> None:
    prefix = "Programming Language :: Python :: "
    versions = [c.removeprefix(prefix) for c in PROJECT["classifiers"] if re.fullmatch(
        re.escape(prefix) + r"3\.\d+", c)]
    assert versions == ci_pythons()
    for general in ("3", "3 :: Only", "Implementation :: CPython"):
        assert prefix + general in PROJECT["classifiers"]


@pytest.mark.parametrize("lock", ["uv.lock", "locks/botocore-min/uv.lock", "locks/bench/uv.lock"])
def test_every_lock_covers_every_tested_python(lock: str) -> None:
    locked = tomllib.loads((ROOT / lock).read_text())
    supported = SpecifierSet(locked["requires-python"])
    for version in ci_pythons():
        assert Version(f"{version}.0") in supported, f"{lock} does not cover {version}"


def test_classifiers_say_typed_async_and_who_it_is_for() -> None:
    classifiers = PROJECT["classifiers"]
    for expected in ("Typing :: Typed", "Framework :: AsyncIO", "Framework :: Trio",
                     "Intended Audience :: Developers"):
        assert expected in classifiers
    assert len([c for c in classifiers if c.startswith("Development Status ::")]) == 1
    assert classifiers == sorted(set(classifiers), key=classifiers.index)  # no repeats
