"""The importers the installed apps offer, found by discovery (each app's ``importers.IMPORTERS``)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from shequ.lib.tabular import Importer

_importers: dict[str, Importer] = {}


def discover() -> None:
    for config in apps.get_app_configs():
        name = f"{config.name}.importers"
        if find_spec(name) is None:
            continue
        for importer in getattr(import_module(name), "IMPORTERS", []):
            _importers[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    """The importer of ``kind``; KeyError when no installed app offers it."""
    return _importers[kind]


def importers() -> list[Importer]:
    return sorted(_importers.values(), key=lambda importer: importer.kind)
