"""Touches to the generated OpenAPI schema so that it says what the API does."""

from __future__ import annotations


def forbid_unknown_parameters(result: dict, generator, request, public) -> dict:
    """The API refuses parameters it does not know (`unknown_parameter`); the schema says so."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
