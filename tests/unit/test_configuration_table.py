"""The table of every botocore setting in docs/configuration.md ("Every botocore
setting") against the installed botocore: every option of ``botocore.config.Config``,
every setting of its configuration chain (``botocore.configprovider``: the logical name,
its environment variables and profile keys), every setting of its credential providers
and every ``AWS_*`` / ``BOTOCORE_*`` variable its source names has a row, so the table
cannot fall behind the next botocore. Under botocore 1.29.61 (fewer settings) the same
checks hold: the table may have rows that botocore lacks. And every row's status is one
of the four the page explains; a "works the same" or a "differs" names tests that exist
and that set the row's setting (one of its names is in the test, its parameters or the
module-level tables and fixtures it uses), so no row can claim a test that is about
something else."""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore
import botocore.config
import botocore.configprovider
import botocore.credentials
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "configuration.md"
SECTION = "## Every botocore setting"
HEADER = ["botocore setting", "environment variable", "profile key", "awsmith", "status"]
NOT_YET = "not yet (issue 25 section 2)"
#: A test a "works the same" row names: ``tests/...py::test_name``.
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
KEY_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Row:
    botocore: frozenset[str]
    env: frozenset[str]
    profile: frozenset[str]
    awsmith: str
    status: str
    line: int


def _names(cell: str) -> frozenset[str]:
    return frozenset(re.findall(r"`([^`]+)`", cell))


@cache
def rows() -> tuple[Row, ...]:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    end = text.find("\n## ", start + 1)
    lines = text[start : end if end != -1 else len(text)].splitlines()
    found: list[Row] = []
    first = text[:start].count("\n") + 1
    for number, line in enumerate(lines, first + 1):
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        assert len(cells) == len(HEADER), f"docs/configuration.md:{number}: {len(cells)} cells"
        if cells == HEADER or set(line) <= set("|- "):
            continue
        botocore_cell, env, profile, awsmith, status = cells
        found.append(
            Row(_names(botocore_cell), _names(env), _names(profile), awsmith, status, number)
        )
    assert len(found) > 80
    return tuple(found)


def rows_naming(name: str) -> list[Row]:
    return [row for row in rows() if name in row.botocore]


def every(column: str) -> frozenset[str]:
    return frozenset().union(*(getattr(row, column) for row in rows()))


def _profile_keys(config_names: Any) -> set[str]:
    """A configuration chain entry's profile keys as the table spells them: a nested
    key ``('s3', 'addressing_style')`` is ``s3.addressing_style``."""
    if config_names is None:
        return set()
    if isinstance(config_names, str):
        return {config_names}
    if isinstance(config_names, tuple):
        return {".".join(config_names)}
    return set().union(*(_profile_keys(name) for name in config_names))


def _env_names(env: Any) -> set[str]:
    if env is None:
        return set()
    return {env} if isinstance(env, str) else set(env)


def chain_settings() -> dict[str, tuple[set[str], set[str]]]:
    """Every setting of the configuration chain: logical name -> (environment variables,
    profile keys). The ``s3`` and ``proxies_config`` sections' settings are named
    ``s3.<name>`` and ``proxies_config.<name>``."""
    provider = botocore.configprovider
    found: dict[str, tuple[set[str], set[str]]] = {}
    for prefix, table in (
        ("", provider.BOTOCORE_DEFAUT_SESSION_VARIABLES),
        ("s3.", provider.DEFAULT_S3_CONFIG_VARS),
        ("proxies_config.", provider.DEFAULT_PROXIES_CONFIG_VARS),
    ):
        for logical, (config_names, env, *_) in table.items():
            found[prefix + logical] = (_env_names(env), _profile_keys(config_names))
    return found


#: Class attributes of the credential providers that name no setting.
NOT_SETTINGS = {
    "METHOD",
    "CANONICAL_NAME",
    "NAMED_PROVIDER_FEATURE_MAP",
    "DEFAULT_CONFIG_FILENAMES",
    "_SSO_TOKEN_CACHE_DIR",
}


def provider_settings() -> dict[str, tuple[set[str], set[str]]]:
    """Every credential provider of botocore.credentials: class name -> (environment
    variables, profile keys) named by its class attributes."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for name, cls in vars(botocore.credentials).items():
        if not (
            inspect.isclass(cls)
            and issubclass(cls, botocore.credentials.CredentialProvider)
            and cls is not botocore.credentials.CredentialProvider
            and cls.__module__ == botocore.credentials.__name__
        ):
            continue
        env: set[str] = set()
        keys: set[str] = set()
        for attribute, value in vars(cls).items():
            if attribute.startswith("__") or attribute in NOT_SETTINGS:
                continue
            if isinstance(value, dict):
                texts = [*value, *value.values()]
            elif isinstance(value, list | tuple):
                texts = list(value)
            else:
                texts = [value]
            for text in texts:
                if not isinstance(text, str):
                    continue
                if ENV_NAME.fullmatch(text):
                    env.add(text)
                elif KEY_NAME.fullmatch(text):
                    keys.add(text)
        found[name] = (env, keys)
    return found


def botocore_source() -> str:
    package = Path(botocore.__file__).parent
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(package.rglob("*.py")))


# ---------------------------------------------------------------- every setting has a row


def test_the_table_is_read() -> None:
    region = rows_naming("region")
    assert len(region) == 1
    assert region[0].env == {"AWS_DEFAULT_REGION"}
    assert region[0].profile == {"region"}
    assert region[0].status.startswith("works the same")


@pytest.mark.parametrize("option", sorted(botocore.config.Config.OPTION_DEFAULTS))
def test_every_config_option_has_a_row(option: str) -> None:
    assert rows_naming(f"Config({option})"), f"no row for botocore's Config({option})"


def named_settings() -> dict[str, tuple[set[str], set[str]]]:
    """The configuration chain's settings and the credential providers (by class name):
    name -> (environment variables, profile keys)."""
    return {**chain_settings(), **provider_settings()}


@pytest.mark.parametrize("setting", sorted(named_settings()))
def test_every_setting_and_credential_provider_has_its_rows(setting: str) -> None:
    """The rows naming it (in the botocore column) list all its environment variables
    and profile keys between them."""
    env, keys = named_settings()[setting]
    found = rows_naming(setting)
    assert found, f"no row for botocore's {setting!r}"
    assert env <= frozenset().union(*(row.env for row in found)), (setting, env)
    assert keys <= frozenset().union(*(row.profile for row in found)), (setting, keys)


def test_every_variable_botocore_names_has_a_row() -> None:
    """Every ``AWS_*`` or ``BOTOCORE_*`` string in botocore's source, and every prefix of
    one it builds (``f"AWS_ENDPOINT_URL_{service}"``: ``AWS_ENDPOINT_URL_<SERVICE>``)."""
    source = botocore_source()
    named = set(re.findall(r"""['"]((?:AWS|BOTOCORE)_[A-Z0-9_]+)['"]""", source))
    prefixes = set(re.findall(r"""f['"]((?:AWS|BOTOCORE)_[A-Z0-9_]*_)\{""", source))
    assert "AWS_ACCESS_KEY_ID" in named  # the scan finds what it looks for
    table = every("env")
    assert named - table == set()
    assert {p for p in prefixes if not any(e.startswith(p + "<") for e in table)} == set()


#: Profile keys botocore's credential chain and configured endpoints read by name in
#: code rather than through a constant: required wherever the installed botocore's
#: source names them.
KEYS_IN_CODE = {
    "credentials.py": [
        "credential_process",
        "credential_source",
        "duration_seconds",
        "external_id",
        "mfa_serial",
        "role_session_name",
        "source_profile",
        "sso_session",
        "login_session",
    ],
    "configprovider.py": ["endpoint_url", "services"],
}


@pytest.mark.parametrize(
    ("module", "key"), [(m, k) for m, keys in KEYS_IN_CODE.items() for k in keys]
)
def test_profile_keys_read_in_code_have_rows(module: str, key: str) -> None:
    source = (Path(botocore.__file__).parent / module).read_text(encoding="utf-8")
    if f"'{key}'" in source or f'"{key}"' in source:
        assert key in every("profile")


#: What issue 25 lists by name (column, name): present whatever botocore is installed.
ISSUE_25 = [
    ("env", "AWS_REGION"),
    ("env", "AWS_DEFAULT_REGION"),
    ("profile", "endpoint_url"),
    ("profile", "services"),
    ("botocore", "ignore_configured_endpoint_urls"),
    ("botocore", "use_fips_endpoint"),
    ("botocore", "use_dualstack_endpoint"),
    ("botocore", "max_attempts"),
    ("botocore", "retry_mode"),
    ("botocore", "defaults_mode"),
    ("env", "AWS_DEFAULTS_MODE"),
    ("botocore", "Config(connect_timeout)"),
    ("botocore", "Config(read_timeout)"),
    ("botocore", "Config(max_pool_connections)"),
    ("botocore", "Config(proxies)"),
    ("botocore", "Config(proxies_config)"),
    ("profile", "proxy_ca_bundle"),
    ("profile", "proxy_client_cert"),
    ("profile", "proxy_use_forwarding_for_https"),
    ("botocore", "ca_bundle"),
    ("botocore", "Config(client_cert)"),
    ("botocore", "tcp_keepalive"),
    ("botocore", "Config(user_agent_extra)"),
    ("botocore", "user_agent_appid"),
    ("profile", "sdk_ua_app_id"),
    ("env", "AWS_SDK_UA_APP_ID"),
    ("botocore", "request_min_compression_size_bytes"),
    ("botocore", "disable_request_compression"),
    ("botocore", "parameter_validation"),
    ("botocore", "sts_regional_endpoints"),
    ("botocore", "metadata_service_timeout"),
    ("botocore", "metadata_service_num_attempts"),
    ("env", "AWS_EC2_METADATA_DISABLED"),
    ("profile", "credential_process"),
    ("profile", "sso_session"),
    ("profile", "login_session"),
    ("env", "AWS_WEB_IDENTITY_TOKEN_FILE"),
    ("env", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
    ("env", "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    ("botocore", "Config(s3)"),
    ("botocore", "Config(request_checksum_calculation)"),
    ("botocore", "Config(response_checksum_validation)"),
    ("env", "AWS_NEW_RETRIES_2026"),
]


@pytest.mark.parametrize(("column", "name"), ISSUE_25)
def test_what_the_issue_lists_has_a_row(column: str, name: str) -> None:
    assert name in every(column)


# ---------------------------------------------------------------- the status column


#: The answers that must name the tests that show them.
TESTED = ("works the same", "differs")


@pytest.mark.parametrize("row", rows(), ids=lambda row: f"line{row.line}")
def test_every_status_is_one_of_four(row: Row) -> None:
    status = row.status
    assert (
        status == NOT_YET
        or re.fullmatch(r"works the same: `tests/.+", status)
        or re.fullmatch(r"differs: \S.+`tests/.+", status)
        or re.fullmatch(r"n/a, because \S.+", status)
    ), f"docs/configuration.md:{row.line}: {status!r}"
    if status.startswith(TESTED):
        assert TEST_REF.search(status), f"docs/configuration.md:{row.line} names no test"


@pytest.mark.parametrize(
    ("path", "name"),
    sorted({ref for row in rows() for ref in TEST_REF.findall(row.status)}),
)
def test_every_test_a_row_names_exists(path: str, name: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert re.search(rf"^(async )?def {name}\(", source, re.MULTILINE), f"{path}::{name}"


def _setting_names(row: Row) -> set[str]:
    """How a test may spell the row's setting: each name of its botocore, environment
    and profile cells, ``Config(x)`` as ``x``, ``AWS_ENDPOINT_URL_<SERVICE>`` as its
    prefix."""
    names: set[str] = set()
    for name in row.botocore | row.env | row.profile:
        name = re.sub(r"^Config\((\w+)\)$", r"\1", name)
        name = name.split("<", 1)[0]
        if re.fullmatch(r"[\w.]{4,}", name):
            names.add(name)
    return names


@cache
def _module(path: str) -> tuple[str, dict[str, ast.AST]]:
    """A test module's text and its top-level definitions by name (functions, classes
    and assigned names)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    found: dict[str, ast.AST] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
    return text, found


def _test_text(path: str, name: str) -> str:
    """The test function's text with its decorators, and the text of the module-level
    definitions it names (its parametrize tables, helpers and fixtures), one level
    deep."""
    text, found = _module(path)
    lines = text.splitlines()

    def source(node: ast.AST) -> str:
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])  # type: ignore[attr-defined]
        return "\n".join(lines[first - 1 : node.end_lineno])  # type: ignore[attr-defined]

    test = found[name]
    used = {n.id for n in ast.walk(test) if isinstance(n, ast.Name)}
    if isinstance(test, ast.FunctionDef | ast.AsyncFunctionDef):
        used |= {a.arg for a in test.args.args}
    return "\n".join(
        [source(test), *(source(found[u]) for u in sorted(used - {name}) if u in found)]
    )


@pytest.mark.parametrize(
    "row",
    [row for row in rows() if row.status.startswith(TESTED)],
    ids=lambda row: f"line{row.line}",
)
def test_a_row_claims_only_tests_that_set_its_setting(row: Row) -> None:
    """A "works the same" or "differs" row names at least one test that sets it: one of
    the row's names appears in the test (or what it uses), so a row cannot claim a test
    that is about another setting."""
    names = _setting_names(row)
    assert names, f"docs/configuration.md:{row.line}: no name a test could use"
    refs = TEST_REF.findall(row.status)
    texts = [_test_text(path, name) for path, name in refs]
    assert any(n in t for n in names for t in texts), (
        f"docs/configuration.md:{row.line}: none of {sorted(names)} in {refs}"
    )


def test_the_four_answers_are_all_given() -> None:
    """Each answer is used (the parsing of the status column is not vacuous)."""
    statuses = [row.status.split(":")[0].split(",")[0] for row in rows()]
    counts = {answer: statuses.count(answer) for answer in set(statuses)}
    assert set(counts) <= {"works the same", "differs", "n/a", NOT_YET}
    assert {"works the same", "n/a"} <= set(counts)
    assert counts["works the same"] >= 15
