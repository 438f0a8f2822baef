"""One page of the built site, rendered by headless Chromium, shows its content.

The site is served by ``http.server`` on 127.0.0.1; Chromium (Debian's ``chromium``
package) loads the SupportClient reference page with networking features off and dumps
the DOM after its scripts ran. The test checks the ``describe_cases`` heading and its
documentation in that DOM, and that mkdocs-material's JavaScript ran (it adds the
copy-to-clipboard buttons, which the HTML on disk does not have).
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.htmltree import parse

CHROMIUM = Path("/usr/bin/chromium")
PAGE = "reference/support/client/"
HEADING_ID = "awsmith.support.client.SupportClient.describe_cases"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless Chromium check skipped: /usr/bin/chromium is not installed "
    "(apt-get install chromium)",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served_site(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def dump_dom(url: str, profile_dir: Path) -> str:
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile_dir}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def test_support_client_page_renders_describe_cases(
    served_site: str, site: Path, tmp_path: Path
) -> None:
    dom = parse(dump_dom(served_site + PAGE, tmp_path / "chromium-profile"))

    titles = dom.find_all("title")
    assert [t.text() for t in titles] == ["SupportClient - awsmith"]
    heading = dom.by_id(HEADING_ID)
    assert heading is not None
    assert heading.tag == "h3"
    names = [e.text() for e in heading.find_all("span", "doc-function-name")]
    assert names == ["describe_cases"]
    assert heading.parent is not None
    section = heading.parent.text()
    assert (
        "Returns a list of cases that you specify by passing one or more case IDs." in section
    )
    assert "Case data is available for 24 months after creation." in section
    assert "Returns communications and attachments for one or more support cases." not in section

    # Rendered, not just downloaded: material's script added copy buttons to the code
    # blocks (the signature, the example's call and its response), which the file on
    # disk does not contain.
    buttons = heading.parent.find_all("button", "md-code__button")
    assert len(buttons) == 3
    on_disk = parse((site / PAGE / "index.html").read_text(encoding="utf-8"))
    assert on_disk.find_all("button", "md-code__button") == []
