import csv
from collections import Counter

import pytest

from shequ.areas.models import Area, AreaCode, CodeSystem, Level
from shequ.areas.services import load_divisions
from shequ.audit.models import AuditEvent
from tests.conftest import SHARED

pytestmark = pytest.mark.django_db


def shenyang():
    return Area.objects.filter(path__startswith="/210100000000/")


def test_the_real_shenyang_tree_is_loaded(world):
    counts = Counter(shenyang().exclude(level=Level.GRID).values_list("level", flat=True))
    assert counts == {Level.CITY: 1, Level.DISTRICT: 13, Level.STREET: 190, Level.COMMUNITY: 2703}
    assert Area.objects.get(code="210100000000").name == "沈阳市"
    assert Area.objects.get(code="210102000000").parent.code == "210100000000"


def test_every_unit_matches_the_derived_hierarchy_file(world):
    """The tree agrees, unit by unit, with shared/data's independently derived hierarchy."""
    expected = {}
    with open(SHARED / "admin-divisions" / "shenyang_2101_hierarchy.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            expected[row["code12"]] = (
                row["name"],
                int(row["level"]),
                row["kind"],
                (row["parent_code"].ljust(12, "0") if row["level"] != "2" else None),
            )
    loaded = {
        a.code: (a.name, a.level, a.kind, a.parent.code if a.parent else None)
        for a in shenyang().exclude(level=Level.GRID).select_related("parent")
    }
    assert loaded == expected


def test_mca_codes_are_kept_beside_with_their_system(world):
    # 210102022 means 太原街街道 for NBS 2023 and 沈水湾街道 for MCA 2025: only the system disambiguates.
    taiyuanjie = Area.objects.get(code="210102022000")
    assert taiyuanjie.name == "太原街街道"
    assert taiyuanjie.code_system == CodeSystem.NBS_2023
    assert AreaCode.objects.get(area=taiyuanjie, system=CodeSystem.MCA_2025).code == "210102005"
    assert AreaCode.objects.get(system=CodeSystem.MCA_2025, code="210102022").area.code != taiyuanjie.code
    assert AreaCode.objects.filter(system=CodeSystem.MCA_2025, area__path__startswith="/210100000000/").count() == 195


def test_loading_twice_changes_nothing(world):
    before = list(shenyang().values_list("code", "name", "path", "kind", "parent_id").order_by("code"))
    events = AuditEvent.objects.count()
    report = load_divisions(actor=None, city_code="2101")
    assert (report.created, report.updated, report.other_codes) == (0, 0, 0)
    assert list(shenyang().values_list("code", "name", "path", "kind", "parent_id").order_by("code")) == before
    assert AuditEvent.objects.count() == events


def test_another_city_loads_by_its_code(world):
    dalian = Area.objects.get(code="210200000000")
    assert dalian.name == "大连市" and dalian.parent is None
    assert Area.objects.filter(path__startswith=dalian.path, level=Level.DISTRICT).count() >= 10


def test_unknown_city_is_a_clear_error(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        load_divisions(actor=None, city_code="9999")
