"""JSON Schema of the file formats, for editors (``closeout schema postmortem|scenario``)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from closeout.kinds import get_kind, kind_names
from closeout.models import Postmortem

_SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"


def json_schema(which: str) -> dict[str, Any]:
    """The JSON Schema of a postmortem or of a scenario (one of the kinds, by ``kind``)."""
    if which == "postmortem":
        schema = Postmortem.model_json_schema(by_alias=True)
        return {"$schema": _SCHEMA_URI, **schema, "title": "closeout postmortem"}
    models = [get_kind(name).model for name in kind_names()]
    refs, top = models_json_schema([(m, "validation") for m in models], by_alias=True)
    return {
        "$schema": _SCHEMA_URI,
        "title": "closeout scenario",
        "description": "A validation scenario; `kind` selects the form.",
        "oneOf": [refs[(m, "validation")] for m in models],
        "$defs": top.get("$defs", {}),
    }
