"""No import cycle anywhere in the repository.

The graph is read with the standard library's ``ast``: no import-graph package is in the
lock, and the benchmark and example scripts are not packages that a tool for installed
packages (grimp, which import-linter uses) can load. Every ``import`` statement counts:
at module level, inside functions (a lazy import still makes two modules depend on each
other) and under ``TYPE_CHECKING`` alike. An import names the longest repository module it
reaches, as grimp does: ``from pkg import sub`` depends on the module ``pkg.sub`` when
there is one (not on ``pkg``, which Python has imported already as its parent), and on
``pkg`` otherwise.

Modules: ``src/awsmith`` (``awsmith.*``), ``codegen``, ``devservers`` and ``tests``
(``tests.*``) as packages; ``benchmarks/`` and ``examples/`` as scripts, each folder's
scripts importing one another by bare name (each puts its own folder on ``sys.path``).
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = (
    ("src/awsmith", "awsmith"),
    ("src/awsmith_pytest", "awsmith_pytest"),
    ("codegen", "codegen"),
    ("devservers", "devservers"),
    ("tests", "tests"),
)
SCRIPTS = ("benchmarks", "examples")


@dataclass(frozen=True)
class Module:
    node: str  # a dotted name, or "folder/script" for a script
    path: str  # relative to the repository
    package: str  # what a relative import is relative to
    #: bare name -> node of the scripts beside it (a script's only; empty for packages)
    siblings: Mapping[str, str] = field(default_factory=dict)


def find_modules(
    repo: Path, packages: Sequence[tuple[str, str]], scripts: Sequence[str]
) -> list[Module]:
    modules = []
    for folder, prefix in packages:
        for path in sorted((repo / folder).rglob("*.py")):
            parts = [prefix, *path.relative_to(repo / folder).with_suffix("").parts]
            node = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            package = node if path.name == "__init__.py" else node.rpartition(".")[0]
            modules.append(Module(node, path.relative_to(repo).as_posix(), package))
    for folder in scripts:
        paths = sorted((repo / folder).glob("*.py"))
        siblings = {p.stem: f"{folder}/{p.stem}" for p in paths}
        for path in paths:
            rel = path.relative_to(repo).as_posix()
            modules.append(Module(siblings[path.stem], rel, "", siblings))
    return modules


def _requested(node: ast.AST, module: Module) -> Iterator[str]:
    """The dotted names one import statement asks for."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        source = node.module or ""
        if node.level:
            parts = module.package.split(".")
            base = parts[: len(parts) - node.level + 1]
            source = ".".join([*base, source] if source else base)
        for alias in node.names:
            yield f"{source}.{alias.name}"  # the submodule if there is one, else ``source``


def _longest(name: str, known: Mapping[str, str]) -> str | None:
    while name:
        if name in known:
            return known[name]
        name = name.rpartition(".")[0]
    return None


#: node -> [(imported node, "path:line" of the import)]
Graph = dict[str, list[tuple[str, str]]]


def import_graph(repo: Path, modules: Sequence[Module]) -> Graph:
    packaged = {m.node: m.node for m in modules if not m.siblings}
    graph: Graph = {}
    for module in modules:
        known = {**packaged, **module.siblings}
        tree = ast.parse((repo / module.path).read_text(encoding="utf-8"), module.path)
        edges = graph.setdefault(module.node, [])
        for stmt in ast.walk(tree):
            for name in _requested(stmt, module):
                target = _longest(name, known)
                if target is not None and target != module.node:
                    edges.append((target, f"{module.path}:{getattr(stmt, 'lineno', 0)}"))
    return graph


def components(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w, _ in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = stack[stack.index(v) :]
            del stack[stack.index(v) :]
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def describe(component: list[str], graph: Graph) -> str:
    """One cycle through ``component``, each step with the import that makes it."""
    inside = set(component)
    path = [component[0]]
    while True:
        target, _ = next(e for e in graph[path[-1]] if e[0] in inside)
        if target in path:
            steps = [*path[path.index(target) :], target]
            break
        path.append(target)
    return "\n".join(
        f"  {a} -> {b} ({next(where for t, where in graph[a] if t == b)})"
        for a, b in itertools.pairwise(steps)
    )


def scan(
    repo: Path, packages: Sequence[tuple[str, str]] = PACKAGES, scripts: Sequence[str] = SCRIPTS
) -> list[str]:
    """Every import cycle under ``repo``, described."""
    graph = import_graph(repo, find_modules(repo, packages, scripts))
    return [describe(c, graph) for c in components(graph)]


# ----------------------------------------------------------------------------- tests


def test_no_import_cycle_in_the_repository() -> None:
    found = scan(REPO)
    assert not found, "import cycles:\n" + "\n\n".join(found)


def test_every_folder_is_scanned() -> None:
    """A folder renamed away from the scan would make the test above pass vacuously."""
    modules = find_modules(REPO, PACKAGES, SCRIPTS)
    scanned = {m.path.split("/")[0] for m in modules}
    assert scanned == {"src", "codegen", "devservers", "tests", "benchmarks", "examples"}
    nodes = {m.node for m in modules}
    assert {"awsmith._core.client", "codegen.transcribe.build", "benchmarks/run"} <= nodes
    assert "tests.meta.test_import_cycles" in nodes


def _tree(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def _scan_planted(root: Path, files: Mapping[str, str]) -> list[str]:
    return scan(_tree(root, files), packages=[("pkg", "pkg")], scripts=["bench"])


def test_lazy_and_type_checking_imports_make_cycles(tmp_path: Path) -> None:
    found = _scan_planted(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from pkg import b\n",
            "pkg/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n",
            "bench/run.py": "import json\n\ndef main():\n    import transports\n",
            "bench/transports.py": "import run as bench\n",
        },
    )
    assert found == [
        "  bench/run -> bench/transports (bench/run.py:4)\n"
        "  bench/transports -> bench/run (bench/transports.py:1)",
        "  pkg.a -> pkg.b (pkg/a.py:2)\n  pkg.b -> pkg.a (pkg/b.py:3)",
    ]


def test_importing_a_submodule_is_not_importing_its_package(tmp_path: Path) -> None:
    """``from . import errors`` inside a package that imports the module doing it is no
    cycle; ``from pkg import NAME`` (a name of pkg/__init__.py) is one."""
    files = {
        "pkg/__init__.py": "from .client import Client\n",
        "pkg/client.py": "from . import errors\nfrom pkg.errors import Boom\n",
        "pkg/errors.py": "class Boom(Exception): ...\n",
    }
    assert _scan_planted(tmp_path / "ok", files) == []
    files["pkg/client.py"] += "from pkg import Client as Again\n"
    assert _scan_planted(tmp_path / "cycle", files) == [
        "  pkg -> pkg.client (pkg/__init__.py:1)\n  pkg.client -> pkg (pkg/client.py:3)"
    ]


def test_a_longer_cycle_is_described_step_by_step(tmp_path: Path) -> None:
    found = _scan_planted(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "from .sub import c\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/c.py": "from ..a import thing\n",
        },
    )
    assert found == [
        "  pkg.a -> pkg.b (pkg/a.py:1)\n"
        "  pkg.b -> pkg.sub.c (pkg/b.py:1)\n"
        "  pkg.sub.c -> pkg.a (pkg/sub/c.py:1)"
    ]
