"""The programmes' rules as editable, dated data: only the city administrator edits them; a changed rule
ends the day before its replacement, so history stays; every change is audited. And the seeded eldercare
programmes say where each item comes from."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.programmes.common import eligibility, rules_services
from shequ.programmes.common.models import BenefitRule, EligibilityRule, Programme, VisitRule
from shequ.programmes.eldercare.models import RetrofitItem
from shequ.programmes.eldercare.reference import DATA_DIR
from tests.eldercare.support import elder

pytestmark = pytest.mark.django_db

R = "/programmes/rules"


def _visit_rule():
    return VisitRule.objects.get(programme__code="care_visits", name="80周岁及以上独居：每7天", valid_to__isnull=True)


PAGES = [
    f"{R}/",
    f"{R}/care_visits/",
    f"{R}/care_visits/edit/",
    f"{R}/basic_eldercare/benefits/new/",
    f"{R}/basic_eldercare/benefits/longevity_allowance/edit/",
    f"{R}/care_visits/rules/eligibility/new/",
    f"{R}/basic_eldercare/rules/benefit/new/?benefit=longevity_allowance",
]


@pytest.mark.parametrize("key", ["programme_officer", "district_officer", "community_staff", "grid_worker", "sysadmin"])
def test_only_the_city_administrator_edits_rules(key, client_of, user_of):
    client = client_of(key)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    rule = _visit_rule()
    assert client.post(f"{R}/care_visits/rules/visit/{rule.pk}/end/", {"on": "2030-01-01"}).status_code == 403
    rule.refresh_from_db()
    assert rule.valid_to is None
    with pytest.raises(Http404):
        rules_services.rule_end(
            actor=user_of(key), code="care_visits", kind="visit", rule_id=rule.pk, on=timezone.localdate()
        )


def test_the_administrator_reads_every_page(client_of):
    admin = client_of("city_admin")
    for url in PAGES:
        assert admin.get(url).status_code == 200, url
    assert admin.get(f"{R}/care_visits/rules/nonsense/new/").status_code == 404
    assert admin.get(f"{R}/basic_eldercare/rules/benefit/new/?benefit=nope").status_code == 404


def test_a_changed_visit_rule_keeps_its_history(world, client_of):
    old = _visit_rule()
    starts = timezone.localdate() + datetime.timedelta(days=1)
    response = client_of("city_admin").post(
        f"{R}/care_visits/rules/visit/{old.pk}/edit/",
        {
            "name": "80周岁及以上独居：每5天",
            "min_age": "80",
            "living_alone": "yes",
            "valid_from": starts.isoformat(),
            "source": "市民政局通知（测试）",
            "interval_days": "5",
        },
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.valid_to == starts - datetime.timedelta(days=1)
    new = VisitRule.objects.get(programme__code="care_visits", name="80周岁及以上独居：每5天")
    assert (new.interval_days, new.min_age, new.living_alone, new.valid_from) == (5, 80, True, starts)
    # Today the old interval applies; from tomorrow, the new.
    person = elder("独居高龄", world.grid_a1, birth="1935-01-01")
    programme = Programme.objects.get(code="care_visits")
    assert eligibility.visit_interval(programme, person, timezone.localdate()) == 7
    assert eligibility.visit_interval(programme, person, starts) == 5
    event = AuditEvent.objects.filter(action="programmes.rule_replace").latest("pk")
    assert event.data["replaces"] == old.pk and event.data["kind"] == "visit"


def test_rule_checks(user_of):
    admin = user_of("city_admin")
    rule = EligibilityRule.objects.filter(programme__code="care_visits").order_by("pk")[0]
    base = {"name": "x", "valid_from": rule.valid_from, "source": "测试"}
    with pytest.raises(ValidationError):  # must start after the rule it replaces
        rules_services.rule_replace(actor=admin, code="care_visits", kind="eligibility", rule_id=rule.pk, criteria=base)
    for bad in (
        {"min_age": 80, "below_age": 60},
        {"tags": ["no_such_group"]},
        {"tags": ["dibao"], "disability_grades": ["1"]},
        {"area_code": "210200000000"},  # Dalian: outside the administrator's city
        {"name": ""},
    ):
        with pytest.raises(ValidationError):
            rules_services.rule_add(actor=admin, code="care_visits", kind="eligibility", criteria=base | bad)
    with pytest.raises(ValidationError):
        rules_services.rule_add(actor=admin, code="care_visits", kind="visit", criteria=base | {"interval_days": 0})
    with pytest.raises(ValidationError):
        rules_services.rule_add(
            actor=admin, code="basic_eldercare", kind="benefit", benefit_code="longevity_allowance", criteria=base
        )
    added = rules_services.rule_add(
        actor=admin,
        code="basic_eldercare",
        kind="benefit",
        benefit_code="longevity_allowance",
        criteria=base | {"min_age": 80, "amount": 100, "provides": ""},
    )
    assert isinstance(added, BenefitRule) and added.amount == 100
    with pytest.raises(ValidationError):
        rules_services.rule_end(
            actor=admin,
            code="care_visits",
            kind="eligibility",
            rule_id=rule.pk,
            on=rule.valid_from - datetime.timedelta(days=1),
        )
    ended = rules_services.rule_end(
        actor=admin, code="care_visits", kind="eligibility", rule_id=rule.pk, on=timezone.localdate()
    )
    assert ended.valid_to == timezone.localdate()
    assert AuditEvent.objects.filter(action="programmes.rule_end", data__rule=rule.pk).exists()


def test_programme_and_benefit_edits_are_audited(client_of):
    admin = client_of("city_admin")
    response = admin.post(
        f"{R}/care_visits/edit/",
        {"name": "关怀访视", "description": "d", "review_months": "6", "visit_grace_days": "2", "is_active": "on"},
    )
    assert response.status_code == 302
    programme = Programme.objects.get(code="care_visits")
    assert (programme.review_months, programme.visit_grace_days) == (6, 2)
    assert AuditEvent.objects.filter(action="programmes.programme_update").exists()
    added = admin.post(
        f"{R}/basic_eldercare/benefits/new/",
        {"benefit_code": "meal_aid", "name": "老年助餐", "category": "照护服务", "unit": "", "ordering": "20"},
    )
    assert added.status_code == 302
    again = admin.post(
        f"{R}/basic_eldercare/benefits/new/",
        {"benefit_code": "meal_aid", "name": "老年助餐", "category": "照护服务", "unit": "", "ordering": "20"},
    )
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="programmes.benefit_save").count() >= 1


def test_every_seeded_item_names_its_source_and_the_unestablished_are_marked():
    data = json.loads((DATA_DIR / "programmes.json").read_text(encoding="utf-8"))["programmes"]
    assert {p["code"] for p in data} == {"basic_eldercare", "care_visits", "family_bed", "retrofit"}
    rules = [r for p in data for r in p.get("rules", []) + p.get("visit_rules", [])]
    rules += [r for p in data for b in p.get("benefits", []) for r in b["rules"]]
    assert all(r["source"] for r in rules)
    basic_list = next(p for p in data if p["code"] == "basic_eldercare")
    for benefit in basic_list["benefits"]:
        if benefit["code"] != "home_retrofit":
            assert all("待确认" in r["source"] for r in benefit["rules"]), benefit["code"]
        # No money amount is invented: amounts wait for the verified local standard.
        assert all(r.get("amount") is None for r in benefit["rules"])
    items = RetrofitItem.objects.filter(basic=True)
    assert items.count() == 7 and all("86号" in i.source for i in items)
