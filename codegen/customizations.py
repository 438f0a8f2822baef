"""Hand-written code that generated clients build on (docs/architecture.md, "Hand-written
service code").

A service whose client needs methods no model describes (AWS Support's attachment
helpers, which stream files to and from presigned S3 URLs) gets them from a hand-written
class in its own package, which the generated client inherits in place of
``BaseClient``: the generated files stay the generator's alone (``--check`` owns every
one), the methods are on the class the contract names (``SupportClient``), and type
checkers, IDEs and the API reference see them as the class's own. boto3 does the same
at run time (its S3 client's ``upload_file`` is injected when the class is created);
here it is in the source, where a type checker can see it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientBase:
    """The hand-written class a generated client inherits instead of ``BaseClient``."""

    #: The module, relative to the service package (``_customizations``): a name the
    #: generator never writes, so regenerating leaves it alone.
    module: str
    #: The class, a subclass of ``awsmith._core.client.BaseClient``.
    name: str
    #: The public methods it adds: no operation may be generated under one of these
    #: names (it would hide the hand-written method), so the generator refuses a model
    #: that has one. tests/codegen/test_customizations.py checks them against the class.
    methods: tuple[str, ...]


#: Generated package -> the hand-written base of its client.
CLIENT_BASES: dict[str, ClientBase] = {
    "awsmith.support": ClientBase(
        module="_customizations",
        name="SupportCustomizations",
        methods=("download_attachment", "upload_attachment"),
    ),
}
