"""Every write to the area tree."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import Actor, get_visible_or_404

from .models import Area, AreaCode, CodeSystem, Kind, Level
from .names import plausible_name

DATA_DIR = Path(__file__).resolve().parent / "data"
GRID_NAME_MAX = 50


def kind_of(name: str) -> str:
    """Classify a level-5 unit by its own name (the NBS 001–199 / 200–399 rule lags conversions:
    153 Shenyang units named 社区 still carry a village code)."""
    if "虚拟" in name or name.endswith("生活区"):  # state farms' living areas, e.g. "…公司生活区"
        return Kind.VIRTUAL
    if "社区" in name or "居委会" in name:
        return Kind.COMMUNITY
    if "村" in name:
        return Kind.VILLAGE
    return Kind.COMMUNITY


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    other_codes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.other_codes)


def _division_rows(city_code: str, source: Path) -> list[tuple[str, str, int, str, str]]:
    """(code12, name, level, kind, parent code12) for the city and everything under it, parents first."""
    city_code = city_code[:4]
    provinces = {r["code"]: r["name"] for r in _read_csv(source / "provinces.csv")}
    city = next((r for r in _read_csv(source / "cities.csv") if r["code"] == city_code), None)
    if city is None:
        raise ValidationError(_("There is no city with code %(code)s in the division files.") % {"code": city_code})
    # Municipalities are listed as "市辖区" under their province: the city's name is the province's.
    city_name = provinces.get(city["provinceCode"], city["name"]) if city["name"] == "市辖区" else city["name"]
    city12 = city_code.ljust(12, "0")
    rows: list[tuple[str, str, int, str, str]] = [(city12, city_name, Level.CITY, "", "")]
    for r in _read_csv(source / "areas.csv"):
        if r["cityCode"] == city_code:
            rows.append((r["code"].ljust(12, "0"), r["name"], Level.DISTRICT, "", city12))
    for r in _read_csv(source / "streets.csv"):
        if r["cityCode"] == city_code:
            rows.append((r["code"].ljust(12, "0"), r["name"], Level.STREET, "", r["areaCode"].ljust(12, "0")))
    for r in _read_csv(source / "villages.csv.gz"):
        if r["cityCode"] == city_code:
            rows.append((r["code"], r["name"], Level.COMMUNITY, kind_of(r["name"]), r["streetCode"].ljust(12, "0")))
    return rows


@transaction.atomic
def load_divisions(*, actor: Actor | None, city_code: str, source: Path = DATA_DIR) -> LoadReport:
    """Load (or bring up to date) one city's tree from the national division files.

    Loading the same files twice changes nothing and records nothing. Codes are NBS 2023; where a
    file ``mca2025_townships_<city>.csv`` exists its Ministry of Civil Affairs codes are kept beside.
    """
    report = LoadReport()
    existing = {a.code: a for a in Area.objects.filter(code__startswith=city_code[:4]).exclude(level=Level.GRID)}
    by_code: dict[str, Area] = {}
    for code, name, level, kind, parent_code in _division_rows(city_code, source):
        parent = by_code.get(parent_code)
        if parent_code and parent is None:
            continue  # a unit whose parent is missing from the files: skip rather than orphan it
        path = (parent.path if parent else "/") + code + "/"
        area = existing.get(code)
        if area is None:
            area = Area.objects.create(
                code=code,
                code_system=CodeSystem.NBS_2023,
                name=name,
                level=level,
                kind=kind,
                parent=parent,
                path=path,
            )
            report.created += 1
        elif (area.name, area.level, area.kind, area.parent_id, area.path) != (
            name,
            level,
            kind,
            parent.pk if parent else None,
            path,
        ):
            area.name, area.level, area.kind, area.parent, area.path = name, level, kind, parent, path
            area.save()
            report.updated += 1
        else:
            report.unchanged += 1
        by_code[code] = area
    report.other_codes = _load_mca_codes(city_code[:4], source, by_code)
    if report.changed:
        record_event(
            actor=actor,
            action="areas.load_divisions",
            area=by_code.get(city_code[:4].ljust(12, "0")),
            data={
                "city": city_code[:4],
                "created": report.created,
                "updated": report.updated,
                "other_codes": report.other_codes,
            },
        )
    return report


def _load_mca_codes(city_code: str, source: Path, by_code: dict[str, Area]) -> int:
    crosswalk = source / f"mca2025_townships_{city_code}.csv"
    if not crosswalk.exists():
        return 0
    changed = 0
    for row in _read_csv(crosswalk):
        area = by_code.get(row["nbs2023_code"].ljust(12, "0"))
        if area is None:
            continue
        current = AreaCode.objects.filter(area=area, system=CodeSystem.MCA_2025).first()
        if current and (current.code, current.name) == (row["code"], row["name"]):
            continue
        AreaCode.objects.update_or_create(
            area=area, system=CodeSystem.MCA_2025, defaults={"code": row["code"], "name": row["name"]}
        )
        changed += 1
    return changed


@transaction.atomic
def load_boundaries(*, actor: Actor | None, geojson_path: Path) -> int:
    """Attach polygons to districts from a GeoJSON file whose features carry an ``adcode`` property."""
    with open(geojson_path, encoding="utf-8") as handle:
        collection = json.load(handle)
    changed = 0
    for feature in collection.get("features", []):
        adcode = str(feature.get("properties", {}).get("adcode", ""))
        area = Area.objects.filter(code=adcode.ljust(12, "0")).first()
        if area is None or area.boundary == feature["geometry"]:
            continue
        area.boundary = feature["geometry"]
        area.save(update_fields=["boundary"])
        changed += 1
    if changed:
        record_event(actor=actor, action="areas.load_boundaries", data={"changed": changed})
    return changed


def _clean_grid_name(name: str) -> str:
    if not (name or "").strip():
        raise ValidationError({"name": _("Enter the grid's name.")})
    return plausible_name(name, field="name", max_length=GRID_NAME_MAX)


def _managed_area(actor: Actor, code: str, level: int) -> Area:
    return get_visible_or_404(
        Area.objects.visible_to(actor, Capability.GRID_MANAGE).select_for_update(), code=code, level=level
    )


@transaction.atomic
def grid_create(*, actor: Actor, community_code: str, name: str) -> Area:
    """Create a grid (网格) under a community; its code is the community code and a 3-digit number."""
    community = _managed_area(actor, community_code, Level.COMMUNITY)
    name = _clean_grid_name(name)
    siblings = list(community.children.values_list("code", "name"))
    if any(existing == name for _code, existing in siblings):
        raise ValidationError({"name": _("This community already has a grid with that name.")})
    number = max((int(code[-3:]) for code, _name in siblings), default=0) + 1
    if number > 999:
        raise ValidationError({"name": _("A community can have at most 999 grids.")})
    code = f"{community.code}{number:03d}"
    grid = Area.objects.create(
        code=code,
        code_system=CodeSystem.LOCAL,
        name=name,
        level=Level.GRID,
        parent=community,
        path=f"{community.path}{code}/",
    )
    record_event(actor=actor, action="areas.grid_create", obj=grid, data={"name": name})
    return grid


@transaction.atomic
def grid_update(*, actor: Actor, grid_code: str, name: str | None = None, is_active: bool | None = None) -> Area:
    grid = _managed_area(actor, grid_code, Level.GRID)
    changes: dict[str, list[object]] = {}
    if name is not None:
        name = _clean_grid_name(name)
        if Area.objects.filter(parent_id=grid.parent_id, name=name).exclude(pk=grid.pk).exists():
            raise ValidationError({"name": _("This community already has a grid with that name.")})
        if name != grid.name:
            changes["name"] = [grid.name, name]
            grid.name = name
    if is_active is not None and is_active != grid.is_active:
        changes["is_active"] = [grid.is_active, is_active]
        grid.is_active = is_active
    if changes:
        grid.save()
        record_event(actor=actor, action="areas.grid_update", obj=grid, data=changes)
    return grid
