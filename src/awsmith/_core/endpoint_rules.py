"""The functions of compiled endpoint rules (``awsmith.<service>._endpoints``), as
botocore's rules engine (``botocore.endpoint_provider.RuleSetStandardLibrary``) defines
them. The generated rules are plain Python; this is what they call."""

from __future__ import annotations

import re
from typing import Any, TypeAlias

#: (region regex, regions, outputs with the partition's ``name``), in botocore's order.
Partitions: TypeAlias = tuple[tuple[str, frozenset[str], dict[str, Any]], ...]

_HOST_LABEL = re.compile(r"^(?!-)[a-zA-Z\d-]{1,63}(?<!-)$")


class RuleError(Exception):
    """An error rule of the rule set matched, or none matched: the message says which."""


def holds(value: object) -> bool:
    """A condition holds unless its value is None or False."""
    return value is not None and value is not False


def partition(partitions: Partitions, region: str | None) -> dict[str, Any]:
    """``aws.partition``: the first partition listing the region or matching its regex,
    else the first partition (``aws``)."""
    if region is not None:
        for regex, regions, outputs in partitions:
            if region in regions or re.match(regex, region) is not None:
                return outputs
    return partitions[0][2]


def get_attr(value: Any, path: str) -> Any:
    """``getAttr``: ``name``, ``a.b`` or ``name[index]`` of a rules value."""
    for part in path.split("."):
        match = re.search(r"(\w*)\[(\d+)\]", part)
        if match is not None:
            name, index = match.group(1), int(match.group(2))
            if name:
                value = value.get(name)
            if value is None or index >= len(value):
                return None
            return value[index]
        value = value[part]
    return value


def is_valid_host_label(value: str | None, allow_subdomains: bool) -> bool:
    if value is None or (allow_subdomains is False and "." in value):
        return False
    if allow_subdomains is True:
        return all(is_valid_host_label(label, False) for label in value.split("."))
    return _HOST_LABEL.match(value) is not None


def substring(value: str, start: int, stop: int, reverse: bool) -> str | None:
    if start >= stop or len(value) < stop or not value.isascii():
        return None
    if reverse:
        return value[len(value) - stop : len(value) - start]
    return value[start:stop]
