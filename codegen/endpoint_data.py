"""``python -m codegen.endpoint_data``: copies the endpoint rule set of every model in
``models/`` and AWS's partitions data from the installed botocore into
``models/endpoints/`` (the generator's inputs for ``_endpoints.py``).

Run it on purpose, to take up a newer botocore's rules, then ``python -m codegen`` and
the tests (tests/runtime/test_compiled_endpoints.py compares the compiled rules with
botocore's rules engine over the same copies). Between refreshes, the generated rules
depend on the repository alone, so ``python -m codegen --check`` gives the same answer
whichever botocore is installed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from codegen.model import load
from codegen.services import MODELS, SERVICES, model_path


def main() -> int:
    import botocore.exceptions
    import botocore.loaders

    loader = botocore.loaders.Loader()
    out = MODELS / "endpoints"
    out.mkdir(exist_ok=True)
    for service in SERVICES:
        name = load(model_path(service)).data_name
        try:
            rules = loader.load_service_model(name, "endpoint-rule-set-1")
        except botocore.exceptions.DataNotFoundError:
            print(f"botocore has no endpoint rule set for {name}", file=sys.stderr)
            continue
        _write(out / f"{service}.json", rules)
    _write(out / "partitions.json", loader.load_data("partitions"))
    print(f"copied from botocore {botocore.__version__} into {out}")
    return 0


def _write(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
