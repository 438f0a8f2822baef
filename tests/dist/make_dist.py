"""``make dist``: builds awsmith's sdist and wheel and checks them as a user meets them.

Run by the Python of the locked release-tools environment (``locks/dist``, which has
build, setuptools, twine, check-wheel-contents and trove-classifiers); ``make test``
runs it. In order, each step stopping the run with what went wrong:

1. ``python -m build --no-isolation``: the sdist, then the wheel built from the
   unpacked sdist, into ``dist/``; then a second wheel straight from the tree.
   ``--no-isolation`` builds with the locked setuptools instead of the newest one an
   isolated build would fetch; ``SOURCE_DATE_EPOCH`` (the last commit's time) fixes the
   wheel's timestamps.
2. The two wheels are compared member by member (names and bytes; ``RECORD`` too: it
   holds the other members' hashes, so it differs only when they do), then as files.
3. ``twine check --strict`` on both artefacts, ``check-wheel-contents`` on the wheel,
   the classifiers against trove-classifiers (PyPI refuses an upload with any other),
   and ``LICENSE`` in both, byte for byte, named by ``License-File``.
4. A fresh virtual environment of ``--python``: the wheel installed with its runtime
   dependencies only, pinned (with hashes) to the versions of the committed uv.lock;
   exactly those are installed, nothing else.
5. ``tests/dist/smoke.py`` run there with ``python -I`` from an empty directory: it
   imports only awsmith and the standard library.
6. The test kit: another fresh environment, the wheel with its ``testing`` extra and
   pytest (pinned to uv.lock), and ``tests/dist/kit_test.py`` run there by pytest from
   an empty directory: the plugin's fixtures (found through the ``pytest11`` entry
   point) for both servers, and the command line.
"""

from __future__ import annotations

import argparse
import email.parser
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SMOKE = Path(__file__).resolve().parent / "smoke.py"
KIT_TEST = Path(__file__).resolve().parent / "kit_test.py"


class DistError(Exception):
    """A check failed; the message says which and how."""


def run(command: Sequence[str | Path], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None,
        quiet: bool = False) -> str:
    """Runs ``command``; its output is returned (and shown unless ``quiet``), a non-zero
    exit is a DistError with the output."""
    shown = " ".join(str(part).strip().split("\n")[0] for part in command)
    print(f"+ {shown}", flush=True)
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise DistError(f"{shown} exited with {result.returncode}:\n{output}")
    if not quiet and output.strip():
        print(output.rstrip(), flush=True)
    return result.stdout


def only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise DistError(f"expected one {pattern} in {folder}, found {[p.name for p in found]}")
    return found[0]


# ------------------------------------------------------------------------- 1. build


def build(out: Path, scratch: Path) -> tuple[Path, Path, Path]:
    """(sdist, wheel built from the sdist, wheel built from the tree)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=run(["git", "log", "-1", "--format=%ct"], quiet=True).strip())
    build_command = [sys.executable, "-m", "build", "--no-isolation"]
    for stale in (out, ROOT / "build"):  # setuptools reuses build/lib: a stale module would ship
        shutil.rmtree(stale, ignore_errors=True)
    run([*build_command, "--outdir", out, ROOT], env=env, quiet=True)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    run([*build_command, "--wheel", "--outdir", scratch / "tree", ROOT], env=env, quiet=True)
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return only(out, "*.tar.gz"), only(out, "*.whl"), only(scratch / "tree", "*.whl")


# ---------------------------------------------------------------- 2. the two wheels


def members(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def compare_wheels(from_sdist: Path, from_tree: Path) -> None:
    """The same members with the same bytes, then the same file."""
    left, right = members(from_sdist), members(from_tree)
    only_left, only_right = sorted(left.keys() - right.keys()), sorted(right.keys() - left.keys())
    if only_left or only_right:
        raise DistError(
            f"the wheels differ in their files: only in the one built from the sdist "
            f"{only_left}, only in the one built from the tree {only_right}"
        )
    differing = sorted(name for name in left if left[name] != right[name])
    if differing:
        raise DistError(f"the wheels differ in the content of {differing}")
    if from_sdist.read_bytes() != from_tree.read_bytes():
        raise DistError(
            "the wheels hold the same files but differ as archives (timestamps, order or "
            "modes): is SOURCE_DATE_EPOCH honoured?"
        )


# -------------------------------------------------------------------- 3. metadata


def dist_info(files: Mapping[str, bytes]) -> str:
    """The wheel's ``<name>-<version>.dist-info`` folder."""
    [folder] = {name.split("/")[0] for name in files if ".dist-info/" in name}
    return folder


def check_metadata(sdist: Path, wheel: Path) -> None:
    """The release tools' checks, then the classifiers and the license."""
    run([sys.executable, "-m", "twine", "check", "--strict", sdist, wheel])
    run([sys.executable, "-m", "check_wheel_contents", wheel])
    from trove_classifiers import classifiers as known_classifiers  # locks/dist only

    files = members(wheel)
    folder = dist_info(files)
    metadata = email.parser.BytesParser().parsebytes(files[f"{folder}/METADATA"])
    unknown = sorted(set(metadata.get_all("Classifier") or []) - known_classifiers)
    if unknown:
        raise DistError(f"classifiers PyPI does not know: {unknown}")
    if metadata.get_all("License-File") != ["LICENSE"]:
        raise DistError(f"License-File is {metadata.get_all('License-File')}, not ['LICENSE']")
    check_license(sdist, files.get(f"{folder}/licenses/LICENSE"))


def check_license(sdist: Path, in_wheel: bytes | None) -> None:
    """The repository's LICENSE, byte for byte, in the wheel and in the sdist."""
    text = (ROOT / "LICENSE").read_bytes()
    if in_wheel != text:
        raise DistError("the wheel's .dist-info/licenses/LICENSE is not the repository's LICENSE")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        shipped = archive.extractfile(f"{top}/LICENSE")
        if shipped is None or shipped.read() != text:
            raise DistError(f"the sdist's {top}/LICENSE is not the repository's LICENSE")


# ------------------------------------------------------------- 4. a fresh install

#: PEP 508's marker variables, as the target Python sees them (it has no packaging).
_MARKER_ENVIRONMENT = """
import json, os, platform, sys
info = sys.implementation
print(json.dumps({
    "implementation_name": info.name,
    "implementation_version": "{0.major}.{0.minor}.{0.micro}".format(info.version),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}))
"""


def locked_runtime(constraints: Path, environment: dict[str, str]) -> dict[str, str]:
    """{name: version} of the exported lock's entries whose markers hold there."""
    pinned: dict[str, str] = {}
    for line in constraints.read_text().splitlines():
        if not line or line[0] in "# " or line.startswith("--"):
            continue
        requirement = Requirement(line.rstrip(" \\"))
        if requirement.marker is None or Marker(str(requirement.marker)).evaluate(environment):
            pinned[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pinned


def installed(uv: str, python: Path) -> dict[str, str]:
    """{name: version} in the environment of ``python``, awsmith left out."""
    found: dict[str, str] = {}
    for line in run([uv, "pip", "freeze", "--python", python], quiet=True).splitlines():
        name, _, version = line.partition("==")
        if not line.startswith("awsmith @ "):
            found[canonicalize_name(name)] = version
    return found


def fresh_install(uv: str, python: str, wheel: Path, scratch: Path) -> Path:
    """The wheel and the locked runtime dependencies in a new venv; its Python."""
    constraints = scratch / "runtime-constraints.txt"
    run([uv, "export", "--project", ROOT, "--locked", "--no-dev", "--no-emit-project",
         "--format", "requirements-txt", "--quiet", "--output-file", constraints], quiet=True)
    venv = scratch / "venv"
    run([uv, "venv", "--quiet", "--python", python, venv])
    target = venv / "bin" / "python"
    run([uv, "pip", "install", "--quiet", "--python", target, "--constraint", constraints, wheel])
    environment = json.loads(run([target, "-I", "-c", _MARKER_ENVIRONMENT], quiet=True))
    expected, actual = locked_runtime(constraints, environment), installed(uv, target)
    if actual != expected:
        extra = {k: v for k, v in actual.items() if expected.get(k) != v}
        missing = {k: v for k, v in expected.items() if actual.get(k) != v}
        raise DistError(
            f"the fresh environment is not the locked runtime: not in the lock {extra}, "
            f"locked but not installed {missing}"
        )
    print(f"fresh venv ({environment['python_full_version']}): awsmith and {len(actual)} "
          f"locked runtime dependencies, nothing else", flush=True)
    return target


def clean_environment(home: Path) -> dict[str, str]:
    """An environment with no AWS settings of this machine, and ``home`` as HOME."""
    home.mkdir()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "NO_PROXY": "*",
    }


def smoke(target: Path, scratch: Path) -> None:
    """The smoke test from an empty directory, with no AWS settings of this machine."""
    home = scratch / "home"
    run([target, "-I", SMOKE], cwd=home, env=clean_environment(home))


def kit(uv: str, python: str, wheel: Path, scratch: Path) -> None:
    """``awsmith[testing]`` and pytest, at the versions of uv.lock, in a fresh venv;
    tests/dist/kit_test.py run there by pytest from an empty directory."""
    started = time.monotonic()
    constraints = scratch / "kit-constraints.txt"
    run([uv, "export", "--project", ROOT, "--locked", "--extra", "testing", "--extra", "dev",
         "--no-emit-project", "--format", "requirements-txt", "--quiet",
         "--output-file", constraints], quiet=True)
    venv = scratch / "venv-kit"
    run([uv, "venv", "--quiet", "--python", python, venv])
    target = venv / "bin" / "python"
    run([uv, "pip", "install", "--quiet", "--python", target, "--constraint", constraints,
         f"awsmith[testing] @ {wheel.as_uri()}", "pytest"])
    home = scratch / "kit-home"
    env = clean_environment(home)
    shutil.copy(KIT_TEST, home / "test_kit.py")
    run([target, "-I", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_kit.py"],
        cwd=home, env=env)
    print(f"test kit: awsmith[testing] and pytest in a fresh venv, its tests passed "
          f"({time.monotonic() - started:.0f} s)", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--uv", required=True, help="the pinned uv (make: .venv-tools/bin/uv)")
    parser.add_argument("--python", required=True, help="the Python of the fresh venv")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the artefacts go")
    args = parser.parse_args(argv)
    print(f"building with Python {platform.python_version()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="awsmith-dist-") as folder:
        scratch = Path(folder)
        try:
            sdist, wheel, tree_wheel = build(args.out.resolve(), scratch)
            compare_wheels(wheel, tree_wheel)
            print(f"{wheel.name}: built from the sdist and from the tree, identical "
                  f"({len(members(wheel))} files)", flush=True)
            check_metadata(sdist, wheel)
            smoke(fresh_install(args.uv, args.python, wheel, scratch), scratch)
            kit(args.uv, args.python, wheel, scratch)
        except DistError as error:
            print(f"make dist: {error}", file=sys.stderr)
            return 1
    print(f"make dist: {sdist.name} and {wheel.name} in {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
