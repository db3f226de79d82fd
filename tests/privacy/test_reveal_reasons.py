"""Finding 9 of issue 7: a reveal names a category from an editable list and says why in real
characters; many reveals in a short time alert the auditors; an unmasked export records whose values
it showed."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from shequ.accounts.models import User
from shequ.audit.models import Alert, AuditEvent
from shequ.privacy.models import RevealReason
from shequ.privacy.services import record_revealed, reveal, reveal_reason, reveal_reason_save
from shequ.residents.models import Person
from tests.factories import resident

pytestmark = pytest.mark.django_db

ZWSP = "\u200b"


@pytest.mark.parametrize(
    "text",
    ["....", ZWSP * 4, f"{ZWSP}.{ZWSP}.。。", "  \u3000  ", "！？、·", "\u200d\u2060\ufeff\u200c" * 3, "ab"],
)
def test_a_reason_without_real_characters_is_refused(world, user_of, text):
    with pytest.raises(ValidationError) as exc:
        reveal_reason("home_visit", text)
    assert set(exc.value.message_dict) == {"reason"}
    staff, person = user_of("community_staff"), user_of("resident")
    before = AuditEvent.objects.filter(action="privacy.reveal").count()
    with pytest.raises(ValidationError):
        reveal(actor=staff, model=User, pk=person.pk, field="phone", category="home_visit", reason=text)
    assert AuditEvent.objects.filter(action="privacy.reveal").count() == before


def test_a_reason_names_an_active_category_and_its_text_normalised(world):
    assert reveal_reason("home_visit", f" 入户{ZWSP}核实 \n 住址 ") == "上门走访核实: 入户核实 住址"
    assert reveal_reason("other", "核对2024年台账") == "其他（须说明）: 核对2024年台账"
    for category in ("", "no_such_category"):
        with pytest.raises(ValidationError) as exc:
            reveal_reason(category, "入户核实住址")
        assert set(exc.value.message_dict) == {"category"}
    RevealReason.objects.filter(code="authorities").update(active=False)
    with pytest.raises(ValidationError):
        reveal_reason("authorities", "协助派出所核查")


def test_the_city_administrator_edits_the_list_and_it_is_audited(world, user_of, client_of):
    admin = user_of("city_admin")
    added = reveal_reason_save(actor=admin, code="pension", name="养老金资格认证", order=60)
    assert AuditEvent.objects.filter(action="privacy.reveal_reason_create", object_id=str(added.pk)).exists()
    reveal_reason_save(actor=admin, code="pension", name="养老待遇资格认证", order=60, active=False)
    event = AuditEvent.objects.filter(action="privacy.reveal_reason_update").latest("id")
    assert event.data == {"name": ["养老金资格认证", "养老待遇资格认证"], "active": [True, False]}
    with pytest.raises(ValidationError):
        reveal_reason("pension", "资格认证入户")
    with pytest.raises(ValidationError) as exc:
        reveal_reason_save(actor=admin, code="blank", name="..")
    assert set(exc.value.message_dict) == {"name"}
    with pytest.raises(Http404):  # community staff reveal, but do not edit the list
        reveal_reason_save(actor=user_of("community_staff"), code="x", name="随便看看")

    # The page: the list, an edit form per row, one to add; a post saves and redirects.
    client = client_of("city_admin")
    page = client.get("/privacy/reveal-reasons/").content.decode()
    assert "上门走访核实" in page and "养老待遇资格认证" in page
    response = client.post("/privacy/reveal-reasons/", {"code": "home_visit", "name": "入户走访核实", "order": 10})
    assert response.status_code == 302
    home_visit = RevealReason.objects.get(code="home_visit")
    assert (home_visit.name, home_visit.active) == ("入户走访核实", False)  # an unticked box deactivates
    assert client_of("community_staff").get("/privacy/reveal-reasons/").status_code == 403  # a page the role never has


def test_the_reveal_form_offers_the_active_categories(world, client_of, user_of):
    RevealReason.objects.filter(code="authorities").update(active=False)
    client = client_of("resident")
    page = client.get("/accounts/me/").content.decode()
    assert 'name="category"' in page and "上门走访核实" in page and "协助公安/司法机关" not in page
    me = user_of("resident")
    answer = client.post(
        f"/accounts/{me.pk}/reveal/", {"field": "phone", "category": "service", "reason": "...."}
    ).content.decode()
    assert "13912345678" not in answer and "查看原因" in answer
    answer = client.post(
        f"/accounts/{me.pk}/reveal/", {"field": "phone", "category": "service", "reason": "核对本人手机号"}
    ).content.decode()
    assert "13912345678" in answer
    # API clients find the codes to send as the reveal's category.
    listed = client.get("/api/reveal-reasons").json()
    assert {"code": "home_visit", "name": "上门走访核实"} in listed
    assert "authorities" not in [item["code"] for item in listed]


def test_many_reveals_in_the_window_raise_one_alert(world, user_of, settings):
    settings.SHEQU_REVEAL_ALERT_COUNT = 5
    staff, person = user_of("community_staff"), user_of("resident")
    alerts = Alert.objects.filter(kind=Alert.Kind.MASS_REVEAL, actor=staff)
    for n in range(4):
        reveal(actor=staff, model=User, pk=person.pk, field="phone", category="home_visit", reason=f"入户核实第{n}次")
    assert not alerts.exists()
    for n in range(4, 12):
        reveal(actor=staff, model=User, pk=person.pk, field="phone", category="home_visit", reason=f"入户核实第{n}次")
    assert alerts.count() == 1  # the fifth raised it; the ones after it in the same window did not
    alert = alerts.get()
    assert alert.data["revealed"] == 5
    assert alert.area_path == world.community_a.path  # the community staff's auditors see it
    # Another account's reveals are its own count.
    assert not Alert.objects.filter(kind=Alert.Kind.MASS_REVEAL, actor=user_of("street_officer")).exists()


def test_an_unmasked_export_records_whose_values_it_showed(world, user_of, settings):
    settings.SHEQU_REVEAL_ALERT_COUNT = 20
    staff = user_of("community_staff")
    people = [
        resident(name=f"丙{n}", area=world.grid_a1, community=world.community_a, number=str(20 + n)) for n in range(25)
    ]
    reason = reveal_reason("correction", "核对户籍台账差错")
    record_revealed(actor=staff, model=Person, pks=[p.pk for p in people], fields=["id_number", "phone"], reason=reason)
    event = AuditEvent.objects.filter(action="privacy.revealed").latest("id")
    assert event.data["ids"] == [str(p.pk) for p in people] and event.data["count"] == 25
    assert event.data["fields"] == ["id_number", "phone"] and event.data["model"] == "residents.person"
    assert not any(p.id_number in str(event.data) for p in people)
    # 25 values at once are a mass reveal by themselves.
    assert Alert.objects.filter(kind=Alert.Kind.MASS_REVEAL, actor=staff).count() == 1
    with pytest.raises(ValueError):
        record_revealed(actor=staff, model=Person, pks=[people[0].pk], fields=["name"], reason=reason)
