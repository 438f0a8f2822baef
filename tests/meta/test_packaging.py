"""What a user of the published package meets, checked against its sources of truth: the
license text against other packages' copies of Apache's, the Python classifiers against
the Pythons .ci/run tests and the locks cover, the installation and policy pages against
pyproject.toml and the package itself, the changelog against Keep a Changelog's format.
``make dist`` (tests/dist/make_dist.py) checks the built artefacts; its wheel comparison
is tested here on wheels made to differ."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
import subprocess
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import awsmith
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


def test_project_urls_point_at_the_repository_and_its_files() -> None:
    urls = PROJECT["urls"]
    assert set(urls) == {"Homepage", "Documentation", "Source", "Changelog", "Issues"}
    assert urls["Homepage"] == urls["Source"] == HOME
    assert urls["Issues"] == f"{HOME}/issues"
    for key, path in (("Changelog", "CHANGELOG.md"), ("Documentation", "docs")):
        assert urls[key].startswith(f"{HOME}/")
        assert urls[key].endswith(f"/main/{path}")
        assert (ROOT / path).exists()
    assert PROJECT["authors"] and PROJECT["keywords"]


# ---------------------------------------------------------------- installation


def _table_rows(page: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after ``heading``, header and rule left out."""
    lines = (ROOT / "docs" / page).read_text().splitlines()
    after = lines[lines.index(heading):]
    first = next(i for i, line in enumerate(after) if line.startswith("|"))
    table: list[list[str]] = []
    for line in after[first:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip("|").split("|")])
    return table[2:]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_installation_page_names_every_runtime_dependency() -> None:
    documented = [name for row in _table_rows("installation.md", "## With pip")
                  for name in _names(row[0])]
    declared = [Requirement(r).name for r in PROJECT["dependencies"]]
    assert sorted(documented) == sorted(declared)


def test_installation_page_names_every_extra_for_users() -> None:
    rows = _table_rows("installation.md", "## Extras")
    documented = {_names(row[0])[0]: sorted(_names(row[1])) for row in rows}
    extras = PROJECT["optional-dependencies"]
    assert set(extras) - set(documented) == {"dev", "docs", "mutation"}  # for awsmith's own work
    for extra, packages in documented.items():
        assert packages == sorted(Requirement(r).name for r in extras[extra])


# ---------------------------------------------------------------------- policy


def public_modules() -> set[str]:
    """Every module of the installed package with no ``_`` in its dotted name, and the
    pytest plugin (a top-level module of the distribution's own, kept out of the package
    so that loading it imports nothing of awsmith)."""
    found = {"awsmith", "awsmith_pytest"}
    for module in pkgutil.walk_packages(awsmith.__path__, "awsmith."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            found.add(module.name)
    return found


def test_the_policy_page_lists_every_module_with_public_names() -> None:
    rows = _table_rows("policy.md", "## What is public")
    listed = [_names(row[0])[0] for row in rows]
    with_all = {
        name for name in public_modules()
        if hasattr(importlib.import_module(name), "__all__")
    }
    assert sorted(listed) == sorted(with_all)
    # The rest are the client modules, whose one public name their package exports.
    for name in public_modules() - with_all:
        package, _, module = name.rpartition(".")
        assert module == "client", name
        assert set(vars(importlib.import_module(package))["__all__"]) & set(
            vars(importlib.import_module(name))
        )


# ------------------------------------------------------------------- changelog

_VERSION_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$")
_SECTIONS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_the_changelog_follows_keep_a_changelog() -> None:
    lines = (ROOT / "CHANGELOG.md").read_text().splitlines()
    assert lines[0] == "# Changelog"
    releases = [line for line in lines if line.startswith("## ")]
    assert releases[0] == "## [Unreleased]"
    versions = []
    for heading in releases[1:]:
        match = _VERSION_HEADING.match(heading)
        assert match, f"not '## [X.Y.Z] - YYYY-MM-DD': {heading!r}"
        versions.append(Version(match[1]))
    assert versions == sorted(versions, reverse=True)
    sections = {line.removeprefix("### ") for line in lines if line.startswith("### ")}
    assert sections <= _SECTIONS
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", "\n".join(lines), re.M))
    assert set(links) == {"Unreleased", *(str(v) for v in versions)}


def test_the_version_is_a_dev_one_while_changes_are_unreleased() -> None:
    """A tree with [Unreleased] entries must not build as the last release's version:
    it is a ``.dev`` version above it (a release moves the entries under its heading
    and sets the version)."""
    text = (ROOT / "CHANGELOG.md").read_text()
    unreleased = text.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    releases = [Version(m[0]) for m in re.findall(r"^## \[(\d+\.\d+\.\d+)\] - ", text, re.M)]
    version = Version(PROJECT["version"])
    if unreleased.strip():
        assert version.is_devrelease and version > releases[0], version
    else:
        assert version == releases[0]
    assert awsmith.__version__ == PROJECT["version"]


def test_the_changelogs_links_name_commits_that_exist() -> None:
    """No release is tagged yet: a link to a tag would be dead, so each release links
    the commit it names, and [Unreleased] compares that commit with HEAD."""
    text = (ROOT / "CHANGELOG.md").read_text()
    links = dict(re.findall(r"^\[([^\]]+)\]: (\S+)$", text, re.M))
    assert not [link for link in links.values() if "/releases/tag/" in link]
    released = {name: link for name, link in links.items() if name != "Unreleased"}
    commits = {name: link.removeprefix(f"{HOME}/tree/") for name, link in released.items()}
    assert all(re.fullmatch(r"[0-9a-f]{7,40}", c) for c in commits.values()), released
    newest = max(commits, key=Version)
    assert links["Unreleased"] == f"{HOME}/compare/{commits[newest]}...HEAD"
    for name, commit in commits.items():
        section = text.split(f"## [{name}]", 1)[1].split("\n## [", 1)[0]
        assert f"commit {commit}" in section, name
        found = subprocess.run(
            ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=ROOT, capture_output=True
        )
        assert found.returncode == 0, f"{name}: no commit {commit}"


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


# ------------------------------------------------------------------ the PyPI page


def test_the_readme_works_as_the_package_index_page() -> None:
    """README.md is the long description on PyPI: it says how to install (every extra
    included), and its links are absolute (a relative one is dead there)."""
    text = (ROOT / "README.md").read_text()
    assert "pip install awsmith\n" in text
    for extra in sorted(set(PROJECT["optional-dependencies"]) - {"dev", "docs", "mutation"}):
        assert f'pip install "awsmith[{extra}]"' in text, extra
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    assert targets and [t for t in targets if not t.startswith("https://")] == []
    assert f"{HOME}/blob/main/docs/installation.md" in targets
    assert "```sh\nmake demo\nmake test\n```" in text  # the Quickstart, as it was
