"""The OpenAPI document names each schema by its class name: two response schemas of one name in different
apps collapse into one component, and the API then declares one app's shape for the other's answers (the
programmes' four ``FiguresOut`` did). Same name, same shape — or different names."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from shequ.api import api


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_schemas_of_one_name_have_one_shape():
    api.get_openapi_schema()  # every router imported and every schema built
    by_name: dict[str, set[str]] = defaultdict(set)
    for schema in _subclasses(Schema):
        if schema.__module__.startswith("shequ."):
            by_name[schema.__name__].add(repr(sorted(schema.model_json_schema().get("properties", {}).items())))
    clashes = sorted(name for name, shapes in by_name.items() if len(shapes) > 1)
    assert not clashes, clashes
