"""A service's endpoint rule set (``endpoint-rule-set-1.json``) compiled to plain Python.

The rule set and AWS's partitions data are generator inputs kept in
``models/endpoints/`` (copied from botocore's data by ``python -m codegen.endpoint_data``),
so the output depends on the repository alone: a new botocore changes nothing here until
someone refreshes those copies on purpose.

Each rule becomes nested ``if``s, evaluated in the rules' order as botocore's rules
engine evaluates them: a condition holds unless its value is None or False, an
``assign`` names the value for the rules inside, a tree whose rules all fail falls
through to the next rule, an error rule raises. The partitions the ``aws.partition``
function needs are emitted with the rules, reduced to what the function returns.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

#: The rules' functions: name -> (Python template, whether it returns a bool).
_FUNCTIONS: dict[str, tuple[str, bool]] = {
    "isSet": ("({0} is not None)", True),
    "not": ("(not {0})", True),
    "booleanEquals": ("({0} is {1})", True),
    "stringEquals": ("({0} == {1})", True),
    "aws.partition": ("_rules.partition(PARTITIONS, {0})", False),
    "getAttr": ("_rules.get_attr({0}, {1})", False),
    "isValidHostLabel": ("_rules.is_valid_host_label({0}, {1})", True),
    "substring": ("_rules.substring({0}, {1}, {2}, {3})", False),
}

_TEMPLATE = re.compile(r"\{([a-zA-Z#]+)\}")


class RuleSetError(ValueError):
    """A rule set this compiler cannot translate (a function it does not know)."""


def rule_set_path(model_path: Path) -> Path:
    """Where a model's rule set is: ``endpoints/<model file name>`` beside the model."""
    return model_path.parent / "endpoints" / model_path.name


def partitions_path(model_path: Path) -> Path:
    return model_path.parent / "endpoints" / "partitions.json"


class _Compiler:
    def __init__(self, parameters: dict[str, Any]) -> None:
        self.names = {name: f"p_{_snake(name)}" for name in parameters}
        self.lines: list[str] = []

    def ref(self, name: str) -> str:
        return self.names.get(name) or f"v_{_snake(name)}"

    def value(self, node: Any) -> str:
        if isinstance(node, bool | int):
            return repr(node)
        if isinstance(node, str):
            return self.template(node)
        if isinstance(node, dict) and "ref" in node:
            return self.ref(node["ref"])
        if isinstance(node, dict) and "fn" in node:
            return self.call(node)[0]
        if isinstance(node, list):
            return "[" + ", ".join(self.value(item) for item in node) + "]"
        if isinstance(node, dict):
            items = ", ".join(f"{key!r}: {self.value(item)}" for key, item in node.items())
            return "{" + items + "}"
        raise RuleSetError(f"unknown value in the rule set: {node!r}")

    def template(self, text: str) -> str:
        """A string with ``{Ref}`` / ``{Ref#attr}`` placeholders, as an expression."""
        parts: list[str] = []
        position = 0
        for match in _TEMPLATE.finditer(text):
            if match.start() > position:
                parts.append(repr(text[position : match.start()]))
            name, *path = match.group(1).split("#")
            expression = self.ref(name)
            for attr in path:
                expression = f"{expression}[{attr!r}]"
            parts.append(f"str({expression})")
            position = match.end()
        if position < len(text) or not parts:
            parts.append(repr(text[position:]))
        return " + ".join(parts)

    def call(self, node: dict[str, Any]) -> tuple[str, bool]:
        name = node["fn"]
        if name not in _FUNCTIONS:
            raise RuleSetError(f"endpoint rule function {name!r} is not supported by codegen")
        pattern, boolean = _FUNCTIONS[name]
        args = [self.value(arg) for arg in node["argv"]]
        return pattern.format(*args), boolean

    def rules(self, rules: list[dict[str, Any]], depth: int) -> None:
        for rule in rules:
            self.rule(rule, depth)

    def rule(self, rule: dict[str, Any], depth: int) -> None:
        pad = "    " * depth
        while rule["type"] == "tree" and len(rule["rules"]) == 1:
            # A tree of one rule is that rule under both rules' conditions.
            inner_rule = rule["rules"][0]
            rule = {**inner_rule, "conditions": [*rule.get("conditions", ()), *inner_rule.get("conditions", ())]}
        conditions: list[str] = []
        for condition in rule.get("conditions", ()):
            expression, boolean = self.call(condition)
            assign = condition.get("assign")
            if assign is not None:
                var = self.ref(assign)
                conditions.append(f"_rules.holds({var} := {expression})")
            elif boolean:
                conditions.append(expression)
            else:
                conditions.append(f"_rules.holds({expression})")
        inner = depth
        if conditions:  # one conjunction, evaluated left to right as botocore does
            self.lines.append(f"{pad}if {' and '.join(conditions)}:")
            inner += 1
        body = "    " * inner
        kind = rule["type"]
        if kind == "error":
            self.lines.append(f"{body}raise _rules.RuleError({self.value(rule['error'])})")
        elif kind == "endpoint":
            endpoint = rule["endpoint"]
            url = self.value(endpoint["url"])
            properties = self.value(endpoint.get("properties", {}))
            self.lines.append(f"{body}return {url}, {properties}")
        elif kind == "tree":
            self.rules(rule["rules"], inner)
            if not rule["rules"]:
                self.lines.append(f"{body}pass")
        else:
            raise RuleSetError(f"unknown rule type {kind!r}")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _partitions(data: dict[str, Any]) -> str:
    """The partitions as the rules' ``aws.partition`` gives them: (id, region regex,
    regions, outputs with ``name``), in botocore's order."""
    lines = ["PARTITIONS: _rules.Partitions = ("]
    for partition in data["partitions"]:
        outputs = dict(sorted(partition["outputs"].items()))
        outputs["name"] = partition["id"]
        regions = sorted(partition["regions"])
        lines.append("    (")
        lines.append(f"        {partition['regionRegex']!r},")
        lines.append(f"        frozenset({regions!r}),")
        lines.append(f"        {outputs!r},")
        lines.append("    ),")
    lines.append(")")
    return "\n".join(lines)


def emit_endpoints(ruleset: dict[str, Any], partitions: dict[str, Any], source: str) -> str:
    parameters: dict[str, Any] = ruleset["parameters"]
    compiler = _Compiler(parameters)
    compiler.rules(ruleset["rules"], 1)
    reads: list[str] = []
    for name, spec in parameters.items():
        default = spec.get("default")
        if default is None:
            reads.append(f"    {compiler.names[name]} = params.get({name!r})")
        else:
            reads.append(
                f"    {compiler.names[name]} = params.get({name!r})\n"
                f"    if {compiler.names[name]} is None:\n"
                f"        {compiler.names[name]} = {default!r}"
            )
    header = (
        f"# generated by codegen from {source}; do not edit\n"
        '"""The service\'s endpoint rules, compiled from its rule set, and the partitions\n'
        'they resolve regions with (see ``codegen/emit_endpoints.py``)."""\n\n'
        "from __future__ import annotations\n\n"
        "from collections.abc import Mapping\n"
        "from typing import Any\n\n"
        "from awsmith._core import endpoint_rules as _rules\n\n"
        f"{_partitions(partitions)}\n\n\n"
        "def resolve(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:\n"
        '    """(URL, properties) of the endpoint for the rule-set parameters, or\n'
        '    ``RuleError`` with the rule set\'s message."""\n'
    )
    body = "\n".join(reads + compiler.lines)
    footer = '\n    raise _rules.RuleError("no endpoint rule matched the parameters")\n'
    return header + body + footer


def load_rules(model_path: Path) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The model's rule set and the partitions, if the model has a rule set."""
    path = rule_set_path(model_path)
    if not path.is_file():
        return None
    ruleset = json.loads(path.read_text(encoding="utf-8"))
    partitions = json.loads(partitions_path(model_path).read_text(encoding="utf-8"))
    return ruleset, partitions
