"""The documentation site builds with warnings as errors and holds what it should.

The ``site`` fixture (tests/docs/conftest.py) runs ``mkdocs build --strict`` once; these
tests read the generated HTML: the guide pages, the API reference generated from the
docstrings of both services, and every link between pages.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.docs.conftest import build_site
from tests.docs.htmltree import Element, parse

GUIDES = {
    "index.html": ["Typed async Python clients for AWS Support and Amazon CodeGuru Profiler"],
    "configuration/index.html": [
        "AWS_USE_FIPS_ENDPOINT",
        "https://codeguru-profiler-fips.us-east-1.amazonaws.com",
        "max_attempts",
        "NO_PROXY",
        "proxy_ca_bundle",
        "Credentials from your own async code",
        "within 5 minutes of expiry",
        "AWS_ENDPOINT_URL_STS",
    ],
    "pagination/index.html": ["resume_token", "starting_token", "page_size", "max_items"],
    "attachments/index.html": ["add_attachments_to_set", "157,286,400 bytes", "BadDigest", "fsync"],
    "architecture/index.html": ["Hand-written service code", "SupportCustomizations"],
    "errors/index.html": ["ParamValidationError", "Retry quota"],
    "testing/index.html": ["httpx.MockTransport", "respx"],
    "examples/index.html": ["support_alert_service.py", "export_cases.py"],
    "resilience/index.html": ["What is resent"],
    "observability/index.html": ["response_metadata", "amz-sdk-invocation-id"],
    "performance/index.html": [],
    "installation/index.html": ['pip install "awsmith[otel]"', "make dist", "PYTHON=python3.13"],
    "policy/index.html": ["__all__", "awsmith._core", "DeprecationWarning", "at least one"],
    "changelog/index.html": ["Unreleased", "0.1.0 - 2026-12-02", "Keep a Changelog"],
}
REFERENCE = [
    "reference/awsmith/index.html",
    "reference/support/client/index.html",
    "reference/support/shapes/index.html",
    "reference/support/errors/index.html",
    "reference/codeguruprofiler/client/index.html",
    "reference/codeguruprofiler/shapes/index.html",
    "reference/codeguruprofiler/errors/index.html",
    "reference/testing/stubber/index.html",
    "reference/testing/codeguruprofiler/index.html",
    "reference/testing/support_attachments/index.html",
    "reference/testing/pytest_plugin/index.html",
]


def page(site: Path, path: str) -> Element:
    return parse((site / path).read_text(encoding="utf-8"))


def documented(root: Element, object_path: str) -> tuple[Element, str]:
    """The heading mkdocstrings wrote for ``object_path`` and the text of its section
    (heading, signature and docstring, members included)."""
    heading = root.by_id(object_path)
    assert heading is not None, f"no heading for {object_path}"
    assert heading.parent is not None and "doc-object" in heading.parent.classes
    return heading, heading.parent.text()


@pytest.mark.parametrize("path", [*GUIDES, *REFERENCE])
def test_page_is_built(site: Path, path: str) -> None:
    assert (site / path).is_file()


@pytest.mark.parametrize(("path", "expected"), GUIDES.items())
def test_guide_page_content(site: Path, path: str, expected: list[str]) -> None:
    text = page(site, path).text()
    for snippet in expected:
        assert snippet in text, f"{snippet!r} not on {path}"


def test_navigation_lists_every_section(site: Path) -> None:
    nav = page(site, "index.html").find_all("nav", "md-nav--primary")
    assert len(nav) == 1
    text = nav[0].text()
    for title in (
        "Quickstart",
        "Installation",
        "Credentials and configuration",
        "Pagination",
        "Attachments",
        "Errors and retries",
        "Resilience",
        "Observability",
        "Testing code that uses awsmith",
        "Migrating from aiobotocore",
        "Protocol conformance",
        "Architecture",
        "Performance",
        "Examples",
        "API stability and versioning",
        "Changelog",
        "SupportClient",
        "CodeGuruProfilerClient",
        "Test kit",
        "CodeGuruProfilerServer",
        "SupportAttachmentFake",
        "pytest plugin",
    ):
        assert title in text


def test_support_client_reference_documents_describe_cases(site: Path) -> None:
    root = page(site, "reference/support/client/index.html")
    heading, text = documented(root, "awsmith.support.client.SupportClient.describe_cases")
    assert heading.tag == "h3"
    assert heading.text() == "describe_cases async ¶"
    assert text.startswith("describe_cases async ¶ describe_cases( *, after_time: str | None = None,")
    assert (
        "Returns a list of cases that you specify by passing one or more case IDs. You can "
        "use the afterTime and beforeTime parameters to filter the cases by date." in text
    )
    assert (
        "Specifies whether to include communications in the DescribeCases response. By "
        "default, communications are included." in text
    )
    assert "CaseIdNotFound" in text and "The requested caseId couldn't be located." in text
    # The section is this method's own: the next method's documentation is not in it.
    assert "Returns communications and attachments for one or more support cases." not in text
    _, paginator = documented(root, "awsmith.support.client.SupportClient.paginate_describe_cases")
    assert "Items per page (sent as max_results)." in paginator


def test_support_client_reference_documents_the_hand_written_helpers(site: Path) -> None:
    """Inherited from SupportCustomizations, shown as SupportClient's own."""
    root = page(site, "reference/support/client/index.html")
    _, upload = documented(root, "awsmith.support.client.SupportClient.upload_attachment")
    assert upload.startswith("upload_attachment async ¶ upload_attachment( source: str |")
    assert "Uploads a file of up to 150 MB for a support case" in upload
    assert "AttachmentUploadError" in upload
    _, download = documented(root, "awsmith.support.client.SupportClient.download_attachment")
    assert "renamed over the path once complete" in download
    assert root.by_id("awsmith.support.client.SupportClient.with_options") is None


def test_codeguru_client_reference_documents_its_operations(site: Path) -> None:
    root = page(site, "reference/codeguruprofiler/client/index.html")
    heading, text = documented(
        root, "awsmith.codeguruprofiler.client.CodeGuruProfilerClient.create_profiling_group"
    )
    assert heading.tag == "h3"
    assert "Creates a profiling group." in text
    assert "The name of the profiling group to create." in text
    _, client = documented(root, "awsmith.codeguruprofiler.client.CodeGuruProfilerClient")
    assert client.startswith(
        "awsmith.codeguruprofiler.client.CodeGuruProfilerClient ¶ CodeGuruProfilerClient( *, "
        "region: str | None = None, endpoint_url: str | None = None,"
    )
    for method in ("post_agent_profile", "get_recommendations", "paginate_list_profile_times"):
        assert root.by_id(f"awsmith.codeguruprofiler.client.CodeGuruProfilerClient.{method}")


def test_shapes_and_errors_reference(site: Path) -> None:
    _, text = documented(
        page(site, "reference/support/shapes/index.html"), "awsmith.support.shapes.CaseDetails"
    )
    assert "A JSON-formatted object that contains the metadata for a support case." in text
    _, text = documented(
        page(site, "reference/support/shapes/index.html"), "awsmith.support.shapes.CaseStatus"
    )
    assert "Values the model does not list are kept, not rejected." in text
    _, text = documented(
        page(site, "reference/codeguruprofiler/shapes/index.html"),
        "awsmith.codeguruprofiler.shapes.ProfilingGroupDescription",
    )
    assert "Contains information about a profiling group." in text
    _, text = documented(
        page(site, "reference/support/errors/index.html"), "awsmith.support.errors.CaseIdNotFound"
    )
    assert "The requested caseId couldn't be located. HTTP status: 400." in text
    _, text = documented(
        page(site, "reference/codeguruprofiler/errors/index.html"),
        "awsmith.codeguruprofiler.errors.ConflictException",
    )
    assert "HTTP status: 409." in text


def test_package_reference_documents_config_and_paginator(site: Path) -> None:
    root = page(site, "reference/awsmith/index.html")
    _, text = documented(root, "awsmith.Config")
    assert "Total attempts per call, the first one included" in text
    _, text = documented(root, "awsmith.Paginator")
    assert "A paginator can be iterated once." in text
    assert root.by_id("awsmith.ServiceError") is not None
    _, text = documented(root, "awsmith.CredentialProvider")
    assert "within 5 minutes of expiry" in text
    _, text = documented(root, "awsmith.assume_role")
    assert "role chaining" in text
    assert "external_id" in text


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    pages = {
        "/" + html.relative_to(site).as_posix(): parse(html.read_text(encoding="utf-8"))
        for html in site.rglob("*.html")
    }
    ids = {path: {e.attrs["id"] for e in root.iter() if "id" in e.attrs} for path, root in pages.items()}
    checked = 0
    for base, root in sorted(pages.items()):
        if base == "/404.html":
            continue
        for anchor in root.find_all("a"):
            href = anchor.attrs.get("href", "")
            if not href or href.startswith(("http://", "https://", "mailto:", "javascript:")):
                continue
            target = urlsplit(urljoin(base, href))
            path = target.path + ("index.html" if target.path.endswith("/") else "")
            assert path in pages, f"{base}: broken link {href!r}"
            if target.fragment:
                assert target.fragment in ids[path], f"{base}: link {href!r} has no anchor"
            checked += 1
    assert checked > 500  # the reference pages alone link to hundreds of anchors


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    # --strict is what makes a broken reference fail the suite instead of only warning.
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [the missing page](missing.md).\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: probe\nnav:\n  - index.md\n")
    result = build_site(tmp_path / "out", tmp_path / "mkdocs.yml")
    assert result.returncode == 1
    assert "missing.md" in result.stderr
    assert (
        "WARNING -  Doc file 'index.md' contains a link 'missing.md', but the target is not "
        "found among documentation files." in result.stderr
    )


def section_after(contents: Element, title: str) -> Element | None:
    """The element that follows the ``<p>`` titled ``title`` (``Raises:``) in a
    docstring's rendered contents, or None if there is no such section."""
    children = [c for c in contents.children if isinstance(c, Element)]
    for i, child in enumerate(children):
        if child.tag == "p" and child.text() == title and i + 1 < len(children):
            return children[i + 1]
    return None


def method_contents(root: Element, object_path: str) -> Element:
    heading, _ = documented(root, object_path)
    assert heading.parent is not None
    (contents,) = [
        c for c in heading.parent.children if isinstance(c, Element) and "doc-contents" in c.classes
    ]
    return contents


def raises_links(contents: Element) -> list[tuple[str, str]]:
    """(text, href) of the link in each Raises entry's type cell; an entry without a
    link fails."""
    table = section_after(contents, "Raises:")
    assert table is not None and table.tag == "table", "no Raises section"
    links = []
    for row in table.find_all("tr", "doc-section-item"):
        cell = row.find_all("td")[0]
        anchors = cell.find_all("a")
        assert len(anchors) == 1, f"Raises entry {cell.text()!r} is not a link"
        links.append((anchors[0].text(), anchors[0].attrs["href"]))
    return links


CLIENT_PAGES = {
    "support": ("reference/support/client/index.html", "awsmith.support.client.SupportClient"),
    "codeguruprofiler": (
        "reference/codeguruprofiler/client/index.html",
        "awsmith.codeguruprofiler.client.CodeGuruProfilerClient",
    ),
}


@pytest.mark.parametrize("service", CLIENT_PAGES)
def test_every_raises_entry_links_to_its_error_class(site: Path, service: str) -> None:
    """Each operation's and paginator's Raises lists exactly the model's errors of the
    operation, each a link to its class on the errors page (a paginator's also to
    awsmith.PaginationError), and each link's anchor is there."""
    from codegen.model import load

    path, client = CLIENT_PAGES[service]
    root = page(site, path)
    errors_ids = {e.attrs["id"] for e in page(site, f"reference/{service}/errors/index.html").iter() if "id" in e.attrs}
    package_ids = {e.attrs["id"] for e in page(site, "reference/awsmith/index.html").iter() if "id" in e.attrs}
    model = load(Path(__file__).resolve().parents[2] / "models" / f"{service}.json")
    paginated = {p.operation.name for p in model.paginators}
    checked = 0
    for op in model.operations:
        expected = sorted(
            (e.class_name, f"../errors/#awsmith.{service}.errors.{e.class_name}") for e in op.errors
        )
        assert expected, f"{op.name} has no modeled errors"
        methods = [op.py_name] + ([f"paginate_{op.py_name}"] if op.name in paginated else [])
        for method in methods:
            links = raises_links(method_contents(root, f"{client}.{method}"))
            if method.startswith("paginate_"):
                assert links[-1] == ("PaginationError", "../../awsmith/#awsmith.PaginationError")
                links = links[:-1]
            assert links == expected, method
            for _, href in links:
                assert href.split("#")[1] in errors_ids
            checked += 1
    assert "awsmith.PaginationError" in package_ids
    assert checked == len(model.operations) + len(paginated)


@pytest.mark.parametrize("service", CLIENT_PAGES)
def test_every_operation_shows_its_example(site: Path, service: str) -> None:
    from codegen.model import load

    path, client = CLIENT_PAGES[service]
    root = page(site, path)
    variable = {"support": "support", "codeguruprofiler": "profiler"}[service]
    model = load(Path(__file__).resolve().parents[2] / "models" / f"{service}.json")
    for op in model.operations:
        block = section_after(method_contents(root, f"{client}.{op.py_name}"), "Examples:")
        assert block is not None, f"{op.py_name} has no Examples section"
        assert "highlight" in block.classes
        assert f"await {variable}.{op.py_name}(" in block.text()


@pytest.mark.parametrize(
    ("path", "objects"),
    [
        (
            "reference/testing/stubber/index.html",
            ["awsmith.testing.Stubber", "awsmith.testing.Stubber.add_response",
             "awsmith.testing.ANY", "awsmith.testing.StubAssertionError"],
        ),
        (
            "reference/testing/codeguruprofiler/index.html",
            ["awsmith.testing.codeguruprofiler.CodeGuruProfilerServer",
             "awsmith.testing.codeguruprofiler.CodeGuruProfilerServer.inject_error",
             "awsmith.testing.codeguruprofiler.codeguruprofiler_server",
             "awsmith.testing.codeguruprofiler.ERRORS_OF"],
        ),
        (
            "reference/testing/support_attachments/index.html",
            ["awsmith.testing.support_attachments.SupportAttachmentFake",
             "awsmith.testing.support_attachments.support_attachment_fake",
             "awsmith.testing.moto_server.MotoServer"],
        ),
        (
            "reference/testing/pytest_plugin/index.html",
            [f"awsmith_pytest.{fixture}" for fixture in (
                "codeguruprofiler_server", "codeguruprofiler_client",
                "codeguruprofiler_credentials", "support_attachment_server",
                "support_attachment_client", "support_attachment_credentials",
            )],
        ),
    ],
    ids=["stubber", "codeguruprofiler", "support_attachments", "pytest_plugin"],
)
def test_the_test_kit_has_reference_pages(site: Path, path: str, objects: list[str]) -> None:
    root = page(site, path)
    for name in objects:
        _, text = documented(root, name)
        assert len(text) > len(name), name
