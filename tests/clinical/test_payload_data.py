"""Both sides build their payload checks from data/payloads.json: the server's pydantic models
(server/clinical/payloads.py) and the tablet's FIELDS (pwa/rules/payload_schemas.js) hold every kind of
the data, at its schema, with its fields in order and required exactly as declared, and nothing else."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from server.clinical.events import CURRENT_SCHEMA, PAYLOAD_MODELS
from server.clinical.payload_checks import CROSS_CHECKS
from server.clinical.payloads import PAYLOADS_DOC, model_name

ROOT = Path(__file__).resolve().parents[2]
_JS = """
import { FIELDS } from './pwa/rules/payload_schemas.js';
const required = (check) => typeof check === 'function';
const shape = Object.entries(FIELDS).map(([kind, f]) => [kind, Object.entries(f).map(([n, c]) => [n, required(c)])]);
process.stdout.write(JSON.stringify(shape));
"""


def _declared() -> list[list[Any]]:
    """[kind, [[field, required], ...]] as the data declares them (a type alone is required)."""
    def required(spec: Any) -> bool:
        return not isinstance(spec, dict) or not ({"nullable", "default"} & set(spec))
    return [[kind, [[name, required(field)] for name, field in spec["fields"].items()]]
            for kind, spec in PAYLOADS_DOC["kinds"].items()]


def test_every_kind_of_the_registry_has_its_model_built_from_the_data() -> None:
    assert list(PAYLOAD_MODELS) == list(PAYLOADS_DOC["kinds"])
    assert CURRENT_SCHEMA == {kind: spec["schema"] for kind, spec in PAYLOADS_DOC["kinds"].items()}
    built = [[kind, [[name, info.is_required()] for name, info in model.model_fields.items()]]
             for kind, model in PAYLOAD_MODELS.items()]
    assert built == _declared()
    assert {kind: model.__name__ for kind, model in PAYLOAD_MODELS.items()} == {k: model_name(k) for k in PAYLOAD_MODELS}
    assert set(CROSS_CHECKS) <= set(PAYLOAD_MODELS)


def test_the_tablet_builds_the_same_kinds_and_fields() -> None:
    ran = subprocess.run(["node", "--input-type=module", "-e", _JS], cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True)
    assert json.loads(ran.stdout) == _declared()


def test_the_tablet_is_served_the_same_declarations_without_their_docs() -> None:
    from server.routes.pwa import PWA_DIR, served

    sent = json.loads(served(PWA_DIR / "rules" / "payloads.json").body)
    assert "doc" not in sent and all("doc" not in spec for spec in sent["kinds"].values())
    fields = lambda doc: {kind: spec["fields"] for kind, spec in doc["kinds"].items()}  # noqa: E731
    assert fields(sent) == fields(PAYLOADS_DOC) and sent["types"] == PAYLOADS_DOC["types"]
