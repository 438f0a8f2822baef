"""What a user of the published package meets, checked against its sources of truth: the
license text against other packages' copies of Apache's, the Python classifiers against
the Pythons .ci/run tests and the locks cover. ``make dist`` (tests/dist/make_dist.py)
checks the built artefacts; its wheel comparison is tested here on wheels made to
differ."""

from __future__ import annotations

import hashlib
import re
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.dist.make_dist import DistError, compare_wheels, locked_runtime

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


@pytest.mark.parametrize(
    "lock", ["uv.lock", "locks/botocore-min/uv.lock", "locks/bench/uv.lock", "locks/dist/uv.lock"]
)
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


# ------------------------------------------------------------------ make dist


def _wheel(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
    return path


FILES = {"awsmith/__init__.py": b"", "awsmith-0.1.0.dist-info/RECORD": b"r"}


def test_compare_wheels_accepts_identical_wheels(tmp_path: Path) -> None:
    compare_wheels(_wheel(tmp_path / "a.whl", FILES), _wheel(tmp_path / "b.whl", FILES))


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ({**FILES, "awsmith/stray.py": b""},
         "the wheels differ in their files: only in the one built from the sdist [], only "
         "in the one built from the tree ['awsmith/stray.py']"),
        ({**FILES, "awsmith/__init__.py": b"x = 1\n"},
         "the wheels differ in the content of ['awsmith/__init__.py']"),
        (dict(reversed(FILES.items())),
         "the wheels hold the same files but differ as archives (timestamps, order or "
         "modes): is SOURCE_DATE_EPOCH honoured?"),
    ],
    ids=["a file more", "a file changed", "same files, another archive"],
)
def test_compare_wheels_names_the_difference(
    tmp_path: Path, other: dict[str, bytes], message: str
) -> None:
    with pytest.raises(DistError) as info:
        compare_wheels(_wheel(tmp_path / "a.whl", FILES), _wheel(tmp_path / "b.whl", other))
    assert str(info.value) == message


def test_locked_runtime_keeps_the_entries_whose_markers_hold(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        "# exported\n"
        "anyio==4.16.0 \\\n    --hash=sha256:00\n    # via awsmith\n"
        "Typing_Extensions==4.16.0 ; python_full_version < '3.13' \\\n    --hash=sha256:11\n"
        "colorama==0.4.6 ; sys_platform == 'win32'\n"
    )
    environment = {"python_full_version": "3.12.1", "sys_platform": "linux"}
    assert locked_runtime(constraints, environment) == {
        "anyio": "4.16.0", "typing-extensions": "4.16.0"
    }
    environment["python_full_version"] = "3.13.0"
    assert locked_runtime(constraints, environment) == {"anyio": "4.16.0"}
