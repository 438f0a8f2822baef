"""A URI label's client-side check when one input structure serves two operations, one
with a plain ``{Key}`` label and one with a greedy ``{Key+}`` label.

The greedy serializer keeps ``/`` as it is, so only the greedy check (no empty, ``.`` or
``..`` segment) stops ``x/../y`` from climbing out of the operation's path. The shared
validator must therefore apply it, whichever operation comes first in the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import anyio
import httpx
import pytest

import awsmith
from tests.codegen.generated import generated_package

CREDS = awsmith.Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")

MODEL = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "labels",
        "protocol": "rest-json",
        "serviceFullName": "Labels",
        "serviceId": "Labels",
        "signatureVersion": "v4",
        "signingName": "labels",
        "uid": "labels-2020-01-01",
    },
    # FetchPlain sorts before GetGreedy: a check chosen from the first operation that
    # takes the input would be the plain one.
    "operations": {
        "FetchPlain": {
            "name": "FetchPlain",
            "http": {"method": "GET", "requestUri": "/plain/{Key}"},
            "input": {"shape": "KeyInput"},
            "output": {"shape": "Empty"},
        },
        "GetGreedy": {
            "name": "GetGreedy",
            "http": {"method": "GET", "requestUri": "/greedy/{Key+}"},
            "input": {"shape": "KeyInput"},
            "output": {"shape": "Empty"},
        },
    },
    "shapes": {
        "KeyInput": {
            "type": "structure",
            "required": ["Key"],
            "members": {"Key": {"shape": "Key", "location": "uri", "locationName": "Key"}},
        },
        "Key": {"type": "string"},
        "Empty": {"type": "structure", "members": {}},
    },
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with generated_package(tmp_path_factory.mktemp("labels"), MODEL, "labels_pkg") as package:
        yield package


def _calls(package: ModuleType, operation: str, key: str) -> tuple[list[str], BaseException | None]:
    """(paths the server saw, the error the call raised) for one call."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json={})

    async def main() -> BaseException | None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            package.LabelsClient(
                region="us-east-1",
                endpoint_url="https://labels.example",
                credentials=CREDS,
                http_client=http,
            ) as client,
        ):
            try:
                await getattr(client, operation)(key=key)
            except awsmith.ParamValidationError as exc:
                return exc
        return None

    return seen, anyio.run(main)


@pytest.mark.parametrize("operation", ["fetch_plain", "get_greedy"])
def test_dot_segments_are_refused_for_both_operations(package: ModuleType, operation: str) -> None:
    seen, error = _calls(package, operation, "x/../y")
    assert seen == []
    assert isinstance(error, awsmith.ParamValidationError)
    name = {"fetch_plain": "FetchPlain", "get_greedy": "GetGreedy"}[operation]
    assert str(error) == (
        "Invalid value for 'key': 'x/../y' is empty or has '.' or '..' segments "
        f"(when calling the {name} operation)"
    )


@pytest.mark.parametrize(
    ("operation", "path"),
    [("fetch_plain", "/plain/a%2Fb"), ("get_greedy", "/greedy/a/b")],
)
def test_a_slash_is_escaped_or_kept_as_each_uri_says(
    package: ModuleType, operation: str, path: str
) -> None:
    seen, error = _calls(package, operation, "a/b")
    assert (seen, error) == ([path], None)
