"""nbgrader's check of each cell's metadata, with its schema's validator built once.

nbgrader checks the ``nbgrader`` metadata of every cell whenever it reads or converts a
notebook, through ``jsonschema.validate``, which checks the schema itself and builds a
new validator on every call: about a millisecond a cell, some 70 ms of a graded
submission. :func:`build_validators_once` gives nbgrader's check a stand-in for the
``jsonschema`` module whose ``validate`` does the same check with a validator made once
per schema; everything else passes through to jsonschema unchanged.
"""

from __future__ import annotations

import json

import jsonschema
from jsonschema.exceptions import best_match


class _OneValidatorPerSchema:
    """The jsonschema module, but ``validate`` keeps the validator of each schema."""

    def __init__(self) -> None:
        self._validators: dict[str, object] = {}

    def __getattr__(self, name: str):
        return getattr(jsonschema, name)

    def validate(self, instance, schema) -> None:
        """As ``jsonschema.validate``: raise the best-matching error, if any."""
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            kind = jsonschema.validators.validator_for(schema)
            kind.check_schema(schema)  # once, as jsonschema.validate does every time
            validator = self._validators[key] = kind(schema)
        error = best_match(validator.iter_errors(instance))
        if error is not None:
            raise error


def build_validators_once() -> None:
    """Make nbgrader's metadata check in this process build each validator once."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _OneValidatorPerSchema):
        common.jsonschema = _OneValidatorPerSchema()
