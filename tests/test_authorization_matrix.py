"""The authorization matrix: every role × every API operation and page × own / sibling / parent area.

The set of endpoints is read from the URL configuration and the OpenAPI document; an endpoint
without a row here fails ``test_every_endpoint_has_a_row``. Each row says which roles succeed on
their own area; everyone else, and everyone on a sibling or parent area, must get a 404 (401 or a
redirect to sign-in when anonymous). List endpoints are also checked for rows from a foreign area.
"""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from shapely.geometry import shape

from shequ.accounts.models import Grant, GrantRequest, User
from shequ.accounts.roles import Role
from shequ.api import PUBLIC_OPERATIONS, api
from shequ.areas.models import Area, Level
from shequ.audit.models import Alert, AuditEvent
from tests.factories import id_number, uscc

pytestmark = pytest.mark.django_db

PERSONAS = {
    None: None,
    "resident": Role.RESIDENT,
    "grid_worker": Role.GRID_WORKER,
    "community_staff": Role.COMMUNITY_STAFF,
    "street_officer": Role.STREET_OFFICER,
    "district_officer": Role.DISTRICT_OFFICER,
    "programme_officer": Role.PROGRAMME_OFFICER,
    "city_admin": Role.CITY_ADMIN,
    "service_provider": Role.SERVICE_PROVIDER,
    # A second programme officer (children) and a second provider: programme data follows the programme
    # and a provider's orders follow the provider, which a row says with ``Spec.excluded``.
    "children_officer": Role.PROGRAMME_OFFICER,
    "service_provider_b": Role.SERVICE_PROVIDER,
    "auditor": Role.AUDITOR,
    "sysadmin": Role.SYSADMIN,
}
RELATIONS = ("own", "sibling", "parent")
AUTHENTICATED = frozenset(r for r in PERSONAS.values() if r)
AREA_READERS = frozenset(
    {
        Role.GRID_WORKER,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.PROGRAMME_OFFICER,
        Role.CITY_ADMIN,
    }
)
GRID_MANAGERS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_ADMIN})
POOL = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_ADMIN})
REVEALERS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_ADMIN})
# What is done at community level or above (imports, registration, facilities): a grid holds no community.
COMMUNITY_POOL = POOL - {Role.GRID_WORKER}
# Locating a point answers a district: only roles over a district or more have one to find.
DISTRICT_READERS = frozenset({Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER, Role.CITY_ADMIN})


@dataclass
class Target:
    area: Area | None = None
    user: User | None = None
    grant: Grant | None = None
    obj: object | None = None  # a resident, household or import job


_counter = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def new_alert() -> Alert:
    """An alert of no area: for the auditors of a whole city."""
    return Alert.objects.create(at=timezone.now(), kind=Alert.Kind.GRANT)


def own_message(client):
    """A site message for whoever the client is signed in as (anonymous: for nobody in particular)."""
    from shequ.outbox.models import Message

    user = client.session.get("_auth_user_id")
    recipient = User.objects.get(pk=user) if user else User.objects.order_by("pk").first()
    return Message.objects.create(channel="site", recipient=recipient, body="通知", topic="test")


RESIDENTS = frozenset({Role.RESIDENT})
PORTAL = {"anonymous": 302, "denied": 403}


def own_case(client):
    """A case of a person registered with the signed-in account's phone, filed by community A's staff."""
    from shequ.casework.services import Filing, case_file
    from shequ.residents.models import Address, Household, Person, Relation, ResidenceType, Sex

    world = client.world
    user_id = client.session.get("_auth_user_id")
    user = User.objects.get(pk=user_id) if user_id else None
    phone = user.phone if user is not None and user.phone else "13800000099"
    address = Address.objects.create(area=world.grid_a1, street_address="矩阵路1号", building="1", unit="1", room="1")
    household = Household.objects.create(area=world.community_a, address=address, number=unique("M-"))
    person = Person.objects.create(
        area=world.grid_a1,
        name="矩阵居民",
        id_number=id_number(900 + next(_counter) % 99, birth="19610101"),
        phone=phone,
        sex=Sex.MALE,
        birth_date="1961-01-01",
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )
    return case_file(
        actor=User.objects.get(username="community_staff"),
        channel="proxy",
        filing=Filing(
            item_code="home_care_service",
            applicant_id=person.pk,
            form={"applicant": person.pk, "service": "助餐", "wanted_on": "2026-12-20"},
        ),
        consent_method="in_person",
        proxy_reason="行动不便",
    )


def own_attachment(client):
    import io

    from shequ.casework.services import case_attach

    case = own_case(client)
    return case_attach(
        actor=User.objects.get(username="community_staff"),
        case_id=case.pk,
        material="",
        upload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
        filename="a.png",
    )


def own_completed_case(client):
    from shequ.casework.services import case_act

    case = own_case(client)
    staff = User.objects.get(username="community_staff")
    for action in ("accept", "approve", "complete"):
        case_act(actor=staff, case_id=case.pk, action=action)
    return case


def api_file_for(client, person):
    return json_post(
        client,
        "/api/cases",
        {
            "item": "home_care_service",
            "channel": "proxy",
            "applicant_id": person.pk,
            "form": {"applicant": person.pk, "service": "助餐", "wanted_on": "2026-12-20"},
            "consent_method": "in_person",
            "proxy_reason": "行动不便",
        },
    )


def api_take_and_release(client, person):
    case = case_of(person)
    client.post(f"/api/cases/{case.pk}/take")
    return client.post(f"/api/cases/{case.pk}/release")


def _not_a_picture():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("a.png", b"not a picture")


CASE_READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.CITY_ADMIN}
)
CASE_HANDLERS = CASE_READERS - {Role.CITY_ADMIN}
# The city administrator reads cases but does not handle them: a handler's form is refused with a message.
CASE_FORM = {"anonymous": 302, "denied": (400, 403, 404)}


def case_of(person, accepted=False):
    """A proxy case of ``person``, where they live (accepted: a receipt exists to print)."""
    from shequ.casework.models import Case, CaseEvent

    case = Case.objects.create(
        number=unique("M"),
        kind="service",
        area=person.area,
        channel="proxy",
        applicant=person,
        form_data="{}",
        submitted_at=timezone.now(),
        time_limit=5,
        time_limit_unit="working_days",
    )
    if accepted:
        CaseEvent.objects.create(case=case, at=timezone.now(), action="accept")
    return case


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)


def attachment_of(person):
    """A file of a case of ``person``, added by a handler of the case's area."""
    import io

    from shequ.accounts.access import granted_paths
    from shequ.casework.services import case_attach

    case = case_of(person)
    handler = next(
        u
        for u in User.objects.filter(grants__role__in=[Role.COMMUNITY_STAFF, Role.GRID_WORKER]).distinct()
        if any(case.area.path.startswith(p) for p in granted_paths(u, "case.handle"))
    )
    return case_attach(
        actor=handler, case_id=case.pk, material="", upload=io.BytesIO(_png().read()), filename="photo.png"
    )


def json_post(client, url, body):
    return client.post(url, body, content_type="application/json")


def locate(client, t: Target):
    point = shape(t.area.boundary).representative_point()
    return client.get(f"/api/areas/locate?lon={point.x}&lat={point.y}")


def decide_pending(client, t: Target, url: str):
    """Post to ``url`` (with the id) for a grant that another system administrator of the target account's
    city asked for."""
    city = Area.objects.get(code=(t.user.home_area or t.grant.area).path.split("/")[1])
    asker = User.objects.create(username=unique("asker-"))
    Grant.objects.create(user=asker, role=Role.SYSADMIN, area=city)
    pending = GrantRequest.objects.create(user=t.user, role=Role.AUDITOR, area=city, requested_by=asker)
    return client.post(url.format(id=pending.pk), {"decision": "approve"})


def point_in_district(area: Area) -> dict[str, float]:
    """A point inside the outline of the area's district (a facility must lie there); the fixture's
    Dalian has no outlines, so any point does."""
    from shapely.geometry import shape

    codes = area.path.strip("/").split("/")
    district = Area.objects.filter(code=codes[1]).first() if len(codes) > 1 else None
    if district is None or not district.boundary:
        return {"lon": 123.4, "lat": 41.8}
    point = shape(district.boundary).representative_point()
    return {"lon": round(point.x, 6), "lat": round(point.y, 6)}


def new_api_key(client):
    """An API key of the city administrator's, for 和平区."""
    from shequ.casework.models import ApiKey

    key = ApiKey.objects.create(
        name="热线", prefix=unique("k"), key_hash=unique("hash-"), created_by_id=client.world.personas["city_admin"]
    )
    key.areas.set([client.world.district])
    return key


def open311_number(client):
    """A place request filed through Open311 in 和平区: its number."""
    from shequ.casework import services

    case = services.case_file(
        actor=None,
        channel="open311",
        filing=services.Filing(item_code="sanitation", form={"detail": "垃圾堆积"}, description="垃圾堆积"),
        place_area=client.world.district,
        api_key_id=new_api_key(client).pk,
    )
    return case.number


def new_member(household, *, joined: bool = True, own_household: bool = False):
    """A resident living where a member of ``household`` lives: in it (as a child), in no household, or
    head of a household of their own in the same community."""
    from shequ.residents.models import Household, Person, Relation

    area = household.members.select_related("area").first().area
    home = household
    if own_household:
        home = Household.objects.create(area=household.area, address=household.address, number=unique("M-"))
    return Person.objects.create(
        area=area,
        name="成员",
        id_number=id_number(next(_counter), birth="19710101"),
        sex="M",
        birth_date="1971-01-01",
        residence_type="registered",
        household=home if joined else None,
        relation=Relation.HEAD if own_household else (Relation.SON if joined else ""),
        address=household.address,
    )


@dataclass
class Spec:
    call: Callable[[Client, Target], object]
    allowed: frozenset
    ok: int = 200
    denied: int | tuple = 404  # a tuple: outsiders get any of these (422 when the area is a body field)
    anonymous: int = 401
    target: str | None = None  # None: not about an area; "area", "community", "grid", "district", "user", "grant"
    rows: str | None = None  # "areas", "events", "accounts": the response lists rows to check for foreign ones
    extra: dict = field(default_factory=dict)
    # Personas refused although their role is allowed (the other programme's officer, the other provider).
    excluded: frozenset = frozenset()


# A page the role may never open is "no permission" (403); a row outside the area is "not found" (404).
# tests/web/test_error_pages.py pins which one each gets.
PAGE = {"anonymous": 302, "denied": (403, 404)}

API_SPECS: dict[str, Spec] = {
    "health": Spec(lambda c, t: c.get("/api/health"), AUTHENTICATED, anonymous=200),
    "me": Spec(lambda c, t: c.get("/api/me"), AUTHENTICATED),
    "areas_roots": Spec(lambda c, t: c.get("/api/areas"), AREA_READERS, rows="areas"),
    "areas_search": Spec(lambda c, t: c.get("/api/areas/search?q=社区"), AREA_READERS, rows="areas"),
    "areas_locate": Spec(locate, DISTRICT_READERS, target="district"),
    "area_get": Spec(lambda c, t: c.get(f"/api/areas/{t.area.code}"), AREA_READERS, target="area"),
    "area_children": Spec(
        lambda c, t: c.get(f"/api/areas/{t.area.code}/children"), AREA_READERS, target="area", rows="areas"
    ),
    "grid_create": Spec(
        lambda c, t: json_post(c, f"/api/areas/{t.area.code}/grids", {"name": unique("网格")}),
        GRID_MANAGERS,
        ok=201,
        target="community",
    ),
    "grid_update": Spec(
        lambda c, t: c.patch(f"/api/grids/{t.area.code}", {"name": unique("网格")}, content_type="application/json"),
        GRID_MANAGERS,
        target="grid",
    ),
    "accounts_list": Spec(lambda c, t: c.get("/api/accounts"), frozenset({Role.SYSADMIN}), rows="accounts"),
    "account_create": Spec(
        lambda c, t: json_post(c, "/api/accounts", {"username": unique("new-user-"), "password": "Long-enough-pw-42"}),
        frozenset({Role.SYSADMIN}),
        ok=201,
    ),
    "grant_add": Spec(
        lambda c, t: json_post(
            c,
            f"/api/accounts/{t.user.pk}/grants",
            {
                "role": "grid_worker",
                "area_code": Area.objects.get(name="第1网格", parent__code=c.world.community_a.code).code,
            },
        ),
        frozenset({Role.SYSADMIN}),
        ok=201,
        target="user",
    ),
    "password_change": Spec(
        lambda c, t: json_post(c, "/api/me/password", {"old_password": "wrong", "new_password": "x"}),
        AUTHENTICATED,
        ok=422,  # reached, and the wrong current password refused: nobody changes another's
    ),
    "account_reset_password": Spec(
        lambda c, t: json_post(c, f"/api/accounts/{t.user.pk}/password", {"password": "Temporary-pass-2026"}),
        frozenset({Role.SYSADMIN}),
        target="user",
    ),
    "account_update": Spec(
        lambda c, t: c.patch(f"/api/accounts/{t.user.pk}", {"is_active": False}, content_type="application/json"),
        frozenset({Role.SYSADMIN}),
        target="user",
    ),
    "account_unlock": Spec(
        lambda c, t: json_post(c, f"/api/accounts/{t.user.pk}/unlock", {}),
        frozenset({Role.SYSADMIN}),
        target="user",
    ),
    "grant_requests_list": Spec(lambda c, t: c.get("/api/grant-requests"), frozenset({Role.SYSADMIN})),
    "grant_approve": Spec(
        lambda c, t: decide_pending(c, t, "/api/grant-requests/{id}/approve"), frozenset({Role.SYSADMIN}), target="user"
    ),
    "grant_refuse": Spec(
        lambda c, t: decide_pending(c, t, "/api/grant-requests/{id}/refuse"), frozenset({Role.SYSADMIN}), target="user"
    ),
    "grant_remove": Spec(
        lambda c, t: c.delete(f"/api/grants/{t.grant.pk}"), frozenset({Role.SYSADMIN}), ok=204, target="grant"
    ),
    "account_reveal": Spec(
        lambda c, t: json_post(
            c,
            f"/api/accounts/{t.user.pk}/reveal",
            {"field": "phone", "category": "home_visit", "reason": "核实身份信息"},
        ),
        REVEALERS | {Role.RESIDENT},
        target="user",
    ),
    "reveal_reasons_list": Spec(lambda c, t: c.get("/api/reveal-reasons"), AUTHENTICATED),
    "audit_events": Spec(lambda c, t: c.get("/api/audit/events"), frozenset({Role.AUDITOR}), rows="events"),
    "residents_list": Spec(lambda c, t: c.get("/api/residents"), POOL, rows="residents"),
    "resident_get": Spec(lambda c, t: c.get(f"/api/residents/{t.obj.pk}"), POOL, target="person"),
    "residents_lookup": Spec(
        lambda c, t: json_post(c, "/api/residents/lookup", {"id_number": t.obj.id_number}), POOL, target="person"
    ),
    "household_get": Spec(lambda c, t: c.get(f"/api/households/{t.obj.pk}"), POOL, target="household"),
    "digitisation": Spec(lambda c, t: c.get(f"/api/digitisation/{t.area.code}"), POOL, target="area"),
    "import_upload": Spec(
        lambda c, t: c.post("/api/imports", {"community": t.area.code, "file": _upload()}),
        COMMUNITY_POOL,
        ok=202,
        target="community",
    ),
    "import_get": Spec(lambda c, t: c.get(f"/api/imports/{t.obj.pk}"), COMMUNITY_POOL, target="job"),
    "move_requests_list": Spec(lambda c, t: c.get("/api/move-requests"), POOL),
    "move_request_decide": Spec(
        lambda c, t: json_post(c, f"/api/move-requests/{t.obj.pk}", {"decision": "refuse", "note": "本人未迁出"}),
        GRID_MANAGERS,
        target="move",
    ),
    "resident_register": Spec(
        lambda c, t: json_post(
            c,
            "/api/residents",
            {
                "community_code": t.area.parent.code,
                "grid": t.area.name,
                "name": "新居民",
                "id_number": id_number(next(_counter), birth="19900101"),
                "residence_type": "户籍",
                "street_address": "和平路2号",
            },
        ),
        POOL,  # a grid worker registers into their own grid
        ok=201,
        target="grid",
    ),
    "resident_update": Spec(
        lambda c, t: c.patch(f"/api/residents/{t.obj.pk}", {"ethnicity": "汉族"}, content_type="application/json"),
        POOL,
        target="person",
    ),
    "household_set_head": Spec(
        lambda c, t: json_post(
            c, f"/api/households/{t.obj.pk}/head", {"person_id": new_member(t.obj).pk, "former_relation": "10"}
        ),
        POOL,
        target="household",
    ),
    "household_member_move": Spec(
        lambda c, t: json_post(
            c,
            f"/api/households/{t.obj.pk}/members",
            {"person_id": new_member(t.obj, joined=False).pk, "relation": "20"},
        ),
        POOL,
        target="household",
    ),
    "household_split": Spec(
        lambda c, t: json_post(
            c,
            f"/api/households/{t.obj.pk}/split",
            {"person_ids": [m := new_member(t.obj).pk], "head_id": m, "street_address": unique("和平路")},
        ),
        POOL,
        ok=201,
        target="household",
    ),
    "household_merge": Spec(
        lambda c, t: json_post(
            c,
            f"/api/households/{t.obj.pk}/merge",
            {"other_id": new_member(t.obj, own_household=True).household_id, "other_head_relation": "20"},
        ),
        POOL,
        target="household",
    ),
    "resident_tag_add": Spec(
        lambda c, t: json_post(
            c,
            f"/api/residents/{t.obj.pk}/tags",
            {"tag_code": "party_member", "source": "街道党工委", "valid_from": "2020-01-01"},
        ),
        POOL,
        ok=201,
        target="person",
    ),
    "resident_tag_end": Spec(
        lambda c, t: json_post(c, f"/api/resident-tags/{t.obj.pk}/end", {"on": "2024-01-01"}), POOL, target="tag"
    ),
    "facility_types_list": Spec(lambda c, t: c.get("/api/facility-types"), AREA_READERS),
    "facility_type_update": Spec(
        lambda c, t: c.patch(
            "/api/facility-types/convenience_store", {"name": "便利店"}, content_type="application/json"
        ),
        frozenset({Role.CITY_ADMIN}),
    ),
    "facilities_list": Spec(lambda c, t: c.get("/api/facilities"), AREA_READERS, rows="facilities"),
    "facility_create": Spec(
        lambda c, t: json_post(
            c,
            "/api/facilities",
            {
                "area_code": t.area.code,
                "type_code": "convenience_store",
                "name": unique("便利店"),
                **point_in_district(t.area),
            },
        ),
        COMMUNITY_POOL,
        ok=201,
        denied=(404, 422),
        target="community",
    ),
    # The fixture's facilities stand in communities: a grid worker's grid holds none to try.
    "facility_get": Spec(
        lambda c, t: c.get(f"/api/facilities/{t.obj.pk}"), AREA_READERS - {Role.GRID_WORKER}, target="facility"
    ),
    "facility_update": Spec(
        lambda c, t: c.patch(
            f"/api/facilities/{t.obj.pk}",
            {"reason": "核实", "opening_hours": unique("08:00-")},
            content_type="application/json",
        ),
        COMMUNITY_POOL,
        target="facility",
    ),
    "facility_close": Spec(
        lambda c, t: json_post(c, f"/api/facilities/{t.obj.pk}/close", {"reason": "停业"}),
        COMMUNITY_POOL,
        target="facility",
    ),
    "facility_reopen": Spec(
        lambda c, t: (
            json_post(c, f"/api/facilities/{t.obj.pk}/close", {"reason": "停业"}),
            json_post(c, f"/api/facilities/{t.obj.pk}/reopen", {"reason": "复业"}),
        )[1],
        COMMUNITY_POOL,
        target="facility",
    ),
    "legal_entities_list": Spec(lambda c, t: c.get("/api/legal-entities"), AREA_READERS, rows="entities"),
    "legal_entity_create": Spec(
        lambda c, t: json_post(
            c,
            "/api/legal-entities",
            {
                "area_code": t.area.code,
                "name": unique("公司"),
                "uscc": uscc("91210102MA0QEXAM4"),
                "kind": "company",
            },
        ),
        COMMUNITY_POOL,
        ok=201,
        denied=(404, 422),
        target="community",
    ),
    # Staff get their area's queue, a resident their own cases: everyone signed in has a list.
    "cases_list": Spec(lambda c, t: c.get("/api/cases"), AUTHENTICATED),
    "cases_figures": Spec(lambda c, t: c.get(f"/api/cases/figures?area={t.area.code}"), CASE_READERS, target="area"),
    "case_get": Spec(lambda c, t: c.get(f"/api/cases/{case_of(t.obj).pk}"), CASE_READERS, target="person"),
    "case_file": Spec(lambda c, t: api_file_for(c, t.obj), CASE_HANDLERS, ok=201, target="person"),
    # The city administrator reads the case but may not act on it: 409 (refused), like a wrong state.
    "case_act": Spec(
        lambda c, t: json_post(c, f"/api/cases/{case_of(t.obj).pk}/actions", {"action": "accept"}),
        CASE_HANDLERS,
        denied=(404, 409),
        target="person",
    ),
    "case_take": Spec(lambda c, t: c.post(f"/api/cases/{case_of(t.obj).pk}/take"), CASE_HANDLERS, target="person"),
    "case_release": Spec(
        lambda c, t: api_take_and_release(c, t.obj), CASE_HANDLERS, denied=(404, 422), target="person"
    ),
    "case_rate": Spec(
        lambda c, t: json_post(c, f"/api/cases/{own_completed_case(c).pk}/rating", {"level": 5}),
        RESIDENTS,
        ok=201,
    ),
    "catalogue_items_list": Spec(lambda c, t: c.get("/api/catalogue/items"), AREA_READERS),
    "catalogue_item_get": Spec(lambda c, t: c.get("/api/catalogue/items/residence_certificate"), AREA_READERS),
    "audit_verify": Spec(lambda c, t: c.get("/api/audit/verify"), frozenset({Role.AUDITOR})),
    "audit_alerts": Spec(lambda c, t: c.get("/api/audit/alerts"), frozenset({Role.AUDITOR})),
}

PAGE_SPECS: dict[str, Spec] = {
    "home": Spec(lambda c, t: c.get("/"), AUTHENTICATED, anonymous=200),
    "login": Spec(lambda c, t: c.get("/accounts/login/"), AUTHENTICATED, anonymous=200),
    "logout": Spec(lambda c, t: c.post("/accounts/logout/"), AUTHENTICATED, ok=302, anonymous=302),
    "set_language": Spec(
        lambda c, t: c.post("/i18n/setlang/", {"language": "en", "next": "/"}), AUTHENTICATED, ok=302, anonymous=302
    ),
    "accounts:profile": Spec(lambda c, t: c.get("/accounts/me/"), AUTHENTICATED, **PAGE),
    "accounts:password": Spec(lambda c, t: c.get("/accounts/password/"), AUTHENTICATED, **PAGE),
    "accounts:reveal": Spec(
        lambda c, t: c.post(
            f"/accounts/{t.user.pk}/reveal/", {"field": "phone", "category": "home_visit", "reason": "核实身份信息"}
        ),
        REVEALERS | {Role.RESIDENT},
        target="user",
        **PAGE,
    ),
    "accounts:manage": Spec(lambda c, t: c.get("/accounts/manage/"), frozenset({Role.SYSADMIN}), **PAGE),
    "accounts:detail": Spec(
        lambda c, t: c.get(f"/accounts/manage/{t.user.pk}/"), frozenset({Role.SYSADMIN}), target="user", **PAGE
    ),
    "accounts:decide": Spec(
        lambda c, t: decide_pending(c, t, "/accounts/manage/requests/{id}/"),
        frozenset({Role.SYSADMIN}),
        ok=302,
        target="user",
        **PAGE,
    ),
    "areas:browse": Spec(lambda c, t: c.get("/areas/"), AREA_READERS, **PAGE),
    "areas:search": Spec(lambda c, t: c.get("/areas/search/?q=社区"), AREA_READERS, **PAGE),
    "areas:detail": Spec(lambda c, t: c.get(f"/areas/{t.area.code}/"), AREA_READERS, target="area", **PAGE),
    "areas:grid_create": Spec(
        lambda c, t: c.post(f"/areas/{t.area.code}/grids/new/", {"name": unique("网格")}),
        GRID_MANAGERS,
        ok=302,
        target="community",
        **PAGE,
    ),
    "areas:grid_edit": Spec(
        lambda c, t: c.get(f"/areas/grids/{t.area.code}/edit/"), GRID_MANAGERS, target="grid", **PAGE
    ),
    "audit:events": Spec(lambda c, t: c.get("/audit/"), frozenset({Role.AUDITOR}), **PAGE),
    "audit:export": Spec(lambda c, t: c.post("/audit/export/"), frozenset({Role.AUDITOR}), **PAGE),
    "audit:alert_acknowledge": Spec(
        lambda c, t: c.post(f"/audit/alerts/{new_alert().pk}/acknowledge/"), frozenset({Role.AUDITOR}), ok=302, **PAGE
    ),
    "privacy:reveal_reasons": Spec(
        lambda c, t: c.get("/privacy/reveal-reasons/"), frozenset({Role.CITY_ADMIN}), **PAGE
    ),
    "residents:residents": Spec(lambda c, t: c.get("/residents/?q=甲"), POOL, **PAGE),
    "residents:export": Spec(lambda c, t: c.post("/residents/export/"), POOL, **PAGE),
    "residents:resident": Spec(lambda c, t: c.get(f"/residents/{t.obj.pk}/"), POOL, target="person", **PAGE),
    "residents:reveal": Spec(
        lambda c, t: c.post(
            f"/residents/{t.obj.pk}/reveal/", {"field": "phone", "category": "home_visit", "reason": "入户核实信息"}
        ),
        REVEALERS,
        target="person",
        **PAGE,
    ),
    "residents:leave": Spec(
        lambda c, t: c.post(f"/residents/{t.obj.pk}/leave/", {"on": "2020-01-01"}),
        POOL,
        ok=302,
        target="person",
        **PAGE,
    ),
    "residents:resident_new": Spec(lambda c, t: c.get("/residents/new/"), POOL, **PAGE),
    "residents:resident_edit": Spec(lambda c, t: c.get(f"/residents/{t.obj.pk}/edit/"), POOL, target="person", **PAGE),
    "residents:tag_add": Spec(
        lambda c, t: c.post(
            f"/residents/{t.obj.pk}/tags/",
            {"tag_code": "party_member", "source": "街道党工委", "valid_from": "2020-01-01"},
        ),
        POOL,
        ok=302,
        target="person",
        **PAGE,
    ),
    "residents:moves": Spec(lambda c, t: c.get("/residents/moves/"), POOL, **PAGE),
    "residents:move_decide": Spec(
        lambda c, t: c.post(f"/residents/moves/{t.obj.pk}/", {"decision": "refuse", "note": "本人未迁出"}),
        GRID_MANAGERS,
        ok=302,
        target="move",
        **PAGE,
    ),
    "residents:household": Spec(
        lambda c, t: c.get(f"/residents/households/{t.obj.pk}/"), POOL, target="household", **PAGE
    ),
    "imports:upload": Spec(lambda c, t: c.get("/imports/residents/"), POOL, **PAGE),
    "imports:template": Spec(lambda c, t: c.get("/imports/residents/template/"), POOL, **PAGE),
    "imports:job": Spec(lambda c, t: c.get(f"/imports/jobs/{t.obj.pk}/"), COMMUNITY_POOL, target="job", **PAGE),
    "imports:report": Spec(
        lambda c, t: c.get(f"/imports/jobs/{t.obj.pk}/report/"), COMMUNITY_POOL, target="job", **PAGE
    ),
    "imports:retry": Spec(
        lambda c, t: c.post(f"/imports/jobs/{t.obj.pk}/retry/"), COMMUNITY_POOL, ok=302, target="job", **PAGE
    ),
    "reference:facility_types": Spec(lambda c, t: c.get("/reference/facility-types/"), AREA_READERS, **PAGE),
    "resources:facilities": Spec(lambda c, t: c.get("/resources/facilities/"), AREA_READERS, **PAGE),
    "resources:facility": Spec(
        lambda c, t: c.get(f"/resources/facilities/{t.obj.pk}/"),
        AREA_READERS - {Role.GRID_WORKER},
        target="facility",
        **PAGE,
    ),
    "residents:digitisation": Spec(
        lambda c, t: c.get(f"/residents/digitisation/?area={t.area.code}"), POOL, target="area", **PAGE
    ),
    "reference:calendar": Spec(lambda c, t: c.get("/reference/calendar/"), AREA_READERS, ok=302, **PAGE),
    "reference:calendar_year": Spec(lambda c, t: c.get("/reference/calendar/2026/"), AREA_READERS, **PAGE),
    "reference:calendar_day": Spec(
        lambda c, t: c.post("/reference/calendar/2026/day/", {"day": "2026-12-26", "kind": "workday", "name": "调休"}),
        frozenset({Role.CITY_ADMIN}),
        ok=302,
        **PAGE,
    ),
    "reference:calendar_official": Spec(
        lambda c, t: c.post("/reference/calendar/2026/official/", {"official": "on", "source": "国办发明电"}),
        frozenset({Role.CITY_ADMIN}),
        ok=302,
        **PAGE,
    ),
    "casework_catalogue:items": Spec(lambda c, t: c.get("/cases/catalogue/"), AREA_READERS, **PAGE),
    "casework_catalogue:item": Spec(
        lambda c, t: c.get("/cases/catalogue/residence_certificate/"), AREA_READERS, **PAGE
    ),
    "casework_catalogue:item_new": Spec(
        lambda c, t: c.get("/cases/catalogue/new/"), frozenset({Role.CITY_ADMIN}), **PAGE
    ),
    "casework_catalogue:item_edit": Spec(
        lambda c, t: c.get("/cases/catalogue/residence_certificate/edit/"), frozenset({Role.CITY_ADMIN}), **PAGE
    ),
    # The development SMS page is open while SMS goes to the console (the tests' sender): nobody has a session yet.
    "outbox:dev": Spec(lambda c, t: c.get("/outbox/dev/"), AUTHENTICATED, anonymous=200),
    "outbox:inbox": Spec(lambda c, t: c.get("/outbox/inbox/"), AUTHENTICATED, **PAGE),
    "outbox:read_all": Spec(lambda c, t: c.post("/outbox/inbox/read/"), AUTHENTICATED, ok=302, **PAGE),
    "outbox:read": Spec(lambda c, t: c.post(f"/outbox/inbox/{own_message(c).pk}/read/"), AUTHENTICATED, ok=302, **PAGE),
    "casework_keys:keys": Spec(lambda c, t: c.get("/cases/keys/"), frozenset({Role.CITY_ADMIN}), **PAGE),
    "casework_keys:key_new": Spec(lambda c, t: c.get("/cases/keys/new/"), frozenset({Role.CITY_ADMIN}), **PAGE),
    "casework_keys:key_revoke": Spec(
        lambda c, t: c.post(f"/cases/keys/{new_api_key(c).pk}/revoke/"), frozenset({Role.CITY_ADMIN}), ok=302, **PAGE
    ),
    # Open311 (docs/open311.md): its reads are public and alike for everyone (a session counts for nothing,
    # nothing personal is shown); filing needs an API key, so a session alone is refused (403).
    "open311:discovery": Spec(lambda c, t: c.get("/open311/v2/discovery.json"), AUTHENTICATED, anonymous=200),
    "open311:services": Spec(lambda c, t: c.get("/open311/v2/services.json"), AUTHENTICATED, anonymous=200),
    "open311:service": Spec(lambda c, t: c.get("/open311/v2/services/sanitation.json"), AUTHENTICATED, anonymous=200),
    "open311:requests": Spec(
        lambda c, t: c.post("/open311/v2/requests.json", {"service_code": "sanitation", "address_string": "和平区"}),
        frozenset(),
        denied=403,
        anonymous=403,
    ),
    "open311:request": Spec(
        lambda c, t: c.get(f"/open311/v2/requests/{open311_number(c)}.json"), AUTHENTICATED, anonymous=200
    ),
    "open311:token": Spec(
        lambda c, t: c.get(f"/open311/v2/tokens/{open311_number(c)}.json"), AUTHENTICATED, anonymous=200
    ),
    "open311:not_found": Spec(lambda c, t: c.get("/open311/v2/nothing"), frozenset(), anonymous=404),
    "portal:home": Spec(lambda c, t: c.get("/portal/"), AUTHENTICATED, anonymous=302),
    "portal:login": Spec(lambda c, t: c.get("/portal/login/"), AUTHENTICATED - RESIDENTS, denied=302, anonymous=200),
    "portal:logout": Spec(lambda c, t: c.post("/portal/logout/"), AUTHENTICATED, ok=302, anonymous=302),
    "portal_cases:list": Spec(lambda c, t: c.get("/portal/cases/"), RESIDENTS, **PORTAL),
    "portal_cases:items": Spec(lambda c, t: c.get("/portal/cases/items/"), RESIDENTS, **PORTAL),
    "portal_cases:apply": Spec(lambda c, t: c.get("/portal/cases/apply/residence_certificate/"), RESIDENTS, **PORTAL),
    "portal_cases:case": Spec(lambda c, t: c.get(f"/portal/cases/{own_case(c).pk}/"), RESIDENTS, **PORTAL),
    "portal_cases:upload": Spec(
        lambda c, t: c.post(f"/portal/cases/{own_case(c).pk}/files/", {"material": "", "file": _not_a_picture()}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "portal_cases:download": Spec(
        lambda c, t: (a := own_attachment(c)) and c.get(f"/portal/cases/{a.case_id}/files/{a.pk}/"),
        RESIDENTS,
        **PORTAL,
    ),
    "portal_cases:supply": Spec(
        lambda c, t: c.post(f"/portal/cases/{own_case(c).pk}/supply/"), RESIDENTS, ok=302, **PORTAL
    ),
    "portal_cases:withdraw": Spec(
        lambda c, t: c.post(f"/portal/cases/{own_case(c).pk}/withdraw/"), RESIDENTS, ok=302, **PORTAL
    ),
    "portal_cases:rate": Spec(
        lambda c, t: c.post(f"/portal/cases/{own_case(c).pk}/rate/", {"level": 5}), RESIDENTS, ok=302, **PORTAL
    ),
    "casework:queue": Spec(lambda c, t: c.get("/cases/"), CASE_READERS, **PAGE),
    "casework:file": Spec(lambda c, t: c.get("/cases/new/"), CASE_HANDLERS, **PAGE),
    "casework:figures": Spec(lambda c, t: c.get("/cases/figures/"), CASE_READERS, **PAGE),
    "casework:case": Spec(lambda c, t: c.get(f"/cases/{case_of(t.obj).pk}/"), CASE_READERS, target="person", **PAGE),
    "casework:take": Spec(
        lambda c, t: c.post(f"/cases/{case_of(t.obj).pk}/take/"), CASE_HANDLERS, ok=302, target="person", **PAGE
    ),
    # Releasing a case one does not hold is reached and answered with a message.
    "casework:release": Spec(
        lambda c, t: c.post(f"/cases/{case_of(t.obj).pk}/release/"), CASE_READERS, ok=302, target="person", **PAGE
    ),
    "casework:act": Spec(
        lambda c, t: c.post(f"/cases/{case_of(t.obj).pk}/act/", {"action": "accept", "accept-action": "accept"}),
        CASE_HANDLERS,
        ok=302,
        target="person",
        **CASE_FORM,
    ),
    "casework:visit": Spec(
        lambda c, t: c.post(f"/cases/{case_of(t.obj).pk}/visit/", {"outcome": "done"}),
        CASE_HANDLERS,
        ok=302,
        target="person",
        **CASE_FORM,
    ),
    "casework:attach": Spec(
        lambda c, t: c.post(f"/cases/{case_of(t.obj).pk}/attach/", {"material": "", "file": _png()}),
        CASE_HANDLERS,
        ok=302,
        target="person",
        **CASE_FORM,
    ),
    "casework:print": Spec(
        lambda c, t: c.get(f"/cases/{case_of(t.obj, accepted=True).pk}/print/receipt/"),
        CASE_READERS,
        target="person",
        **PAGE,
    ),
    "casework:attachment": Spec(
        lambda c, t: c.get(f"/cases/files/{attachment_of(t.obj).pk}/"), CASE_READERS, target="person", **PAGE
    ),
    "api:openapi-json": Spec(lambda c, t: c.get("/api/openapi.json"), AUTHENTICATED, anonymous=200),
    "api:openapi-view": Spec(lambda c, t: c.get("/api/docs"), AUTHENTICATED, anonymous=200),
    "api:api-root": Spec(lambda c, t: c.get("/api/"), frozenset(), anonymous=404),
}


# The programme apps keep their rows beside their tests (``tests/<app>/matrix_rows.py``: API_SPECS,
# PAGE_SPECS and TARGETS, functions (world, persona key, area, outside_own) -> Target | None), merged here.
TARGETS: dict[str, Callable[..., Target | None]] = {}
# The row modules import their helpers from this module by its package name, which pytest may not have
# used when it imported this file: name it so, or they would import a second copy of it.
sys.modules.setdefault("tests.test_authorization_matrix", sys.modules[__name__])
for _app in ("programmes", "homecare", "eldercare", "children", "volunteers"):
    try:
        _rows = importlib.import_module(f"tests.{_app}.matrix_rows")
    except ModuleNotFoundError as missing:
        if missing.name != f"tests.{_app}.matrix_rows" and missing.name != f"tests.{_app}":
            raise
        continue
    API_SPECS.update(_rows.API_SPECS)
    PAGE_SPECS.update(_rows.PAGE_SPECS)
    TARGETS.update(getattr(_rows, "TARGETS", {}))


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("roster.csv", "姓名,身份证号,居住类型,小区或街路门牌\n".encode())


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif getattr(pattern.callback, "__module__", "") != "ninja.operation":
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _operations():
    schema = api.get_openapi_schema()
    return {op["operationId"]: op for ops in schema["paths"].values() for op in ops.values()}


def test_every_endpoint_has_a_row():
    assert set(_url_names(get_resolver().url_patterns)) == set(PAGE_SPECS)
    assert set(_operations()) == set(API_SPECS)


def test_only_listed_operations_are_public():
    public = {op_id for op_id, op in _operations().items() if not op.get("security")}
    assert public == PUBLIC_OPERATIONS


# --- targets -------------------------------------------------------------------------------------

LEVEL_OF = {"community": Level.COMMUNITY, "grid": Level.GRID, "district": Level.DISTRICT}


def _persona_area(world, key):
    return {
        None: world.community_a,
        "resident": world.community_a,
        "grid_worker": world.grid_a1,
        "community_staff": world.community_a,
        "street_officer": world.street,
        "district_officer": world.district,
        "service_provider": world.district,
        "service_provider_b": world.district,
    }.get(key, world.city)


def _related_area(world, own: Area, relation: str) -> Area | None:
    if relation == "own":
        return own
    if relation == "parent":
        return own.parent
    siblings = {
        world.grid_a1.pk: world.grid_a2,
        world.community_a.pk: world.community_b,
        world.street.pk: world.street_b,
        world.district.pk: world.district_b,
        world.city.pk: world.other_city,
    }
    return siblings[own.pk]


def _target(world, spec: Spec, key, relation) -> Target | None:
    """What the persona acts on for this relation; None when no such thing exists (the cell is N/A)."""
    if spec.target is None:
        return Target()
    own = _persona_area(world, key)
    where = _related_area(world, own, relation)
    if where is None:
        return None
    outside_own = (lambda path: True) if relation == "own" else (lambda path: not path.startswith(own.path))
    if spec.target == "area":
        return Target(area=where)
    if spec.target in LEVEL_OF:
        candidates = Area.objects.filter(path__startswith=where.path, level=LEVEL_OF[spec.target]).order_by("code")
        if spec.target == "district":
            candidates = candidates.filter(boundary__isnull=False)
        area = next((a for a in candidates[:50] if outside_own(a.path)), None)
        return Target(area=area) if area else None
    if spec.target in TARGETS:
        return TARGETS[spec.target](world, key, where, outside_own)
    if spec.target == "move":
        # A request from community B's side for a person living where the persona acts.
        from shequ.residents.models import MoveRequest, Person

        for person in Person.objects.filter(area__path__startswith=where.path).select_related("area__parent"):
            if outside_own(person.area.path):
                home = person.area if person.area.level == Level.COMMUNITY else person.area.parent
                asking = world.community_b if home != world.community_b else world.community_a
                request, _new = MoveRequest.objects.get_or_create(
                    person=person,
                    to_area=asking,
                    state=MoveRequest.State.PENDING,
                    defaults={
                        "from_area": home,
                        "requested_by_id": world.personas["community_staff_b"],
                        "destination": {"area_id": str(asking.pk), "street_address": "和平路9号"},
                    },
                )
                return Target(obj=request)
        return None
    if spec.target in ("person", "household", "job", "tag", "facility"):
        from shequ.imports.models import ImportJob
        from shequ.residents.models import Household, Person, PersonTag
        from shequ.resources.models import Facility

        if spec.target == "tag":
            rows = PersonTag.objects.filter(person__area__path__startswith=where.path).select_related("person__area")
            area_of = lambda obj: obj.person.area  # noqa: E731
        elif spec.target == "household":
            # A household is the community's; it is reached where one of its members lives.
            rows = Person.objects.filter(area__path__startswith=where.path, household__isnull=False)
            for person in rows.select_related("area", "household").order_by("pk"):
                if outside_own(person.area.path):
                    return Target(obj=person.household)
            return None
        else:
            model = {"person": Person, "household": Household, "job": ImportJob, "facility": Facility}[spec.target]
            rows = model.objects.filter(area__path__startswith=where.path).select_related("area")
            area_of = lambda obj: obj.area  # noqa: E731
        for obj in rows.order_by("pk"):
            if outside_own(area_of(obj).path):
                return Target(obj=obj)
        return None
    # users and grants: the test accounts whose area lies there
    for username in ("resident", "resident_b", "dalian_staff"):
        user = User.objects.get(username=username)
        grant = user.grants.select_related("area").first()
        area_path = (user.home_area or grant.area).path
        if area_path.startswith(where.path) and outside_own(area_path):
            return Target(user=user, grant=grant)
    return None


def _fixture_places(world, rows: str) -> dict[str, Area]:
    """Where conftest's world put each named row of a list: the expectation of every list endpoint."""
    dalian = Area.objects.filter(path__startswith=world.other_city.path, level=Level.COMMUNITY).order_by("code")[0]
    communities = [world.community_a, world.community_b, dalian]
    if rows == "residents":
        return {"甲": world.grid_a1, "乙": world.community_b, "丙": dalian}
    if rows == "facilities":
        return {f"便利店{n}": area for n, area in enumerate(communities)}
    if rows == "entities":
        return {f"物业公司{n}": area for n, area in enumerate(communities)}
    # accounts: the area each test account was made for (its home, else its grant's area)
    return {
        user.username: user.home_area or user.grants.first().area
        for user in User.objects.filter(pk__in=world.personas.values()).select_related("home_area")
    }


def _row_mismatch(world, spec: Spec, key, response) -> str:
    """What is wrong with a list's rows for this persona: rows from outside its area, or rows of its area
    that the fixture put there and the list left out."""
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    own = _persona_area(world, key)
    if spec.rows == "areas":
        areas = Area.objects.filter(code__in=[item["code"] for item in items])
        foreign = sorted(a.code for a in areas if not a.path.startswith(own.path))
        missing = (
            [own.code] if spec.call is API_SPECS["areas_roots"].call and own.code not in {a.code for a in areas} else []
        )
    elif spec.rows == "events":
        paths = AuditEvent.objects.filter(pk__in=[item["id"] for item in items]).values_list("area_path", flat=True)
        foreign = sorted({p for p in paths if not (p.startswith(own.path) or (p == "" and own == world.city))})
        missing = []
    else:
        places = _fixture_places(world, spec.rows)
        name_key = "username" if spec.rows == "accounts" else "name"
        listed = {item[name_key] for item in items}
        expected = {name for name, area in places.items() if area.path.startswith(own.path)}
        foreign = sorted(listed & set(places) - expected)
        missing = sorted(expected - listed)
    return (f", foreign rows {foreign}" if foreign else "") + (f", missing rows {missing}" if missing else "")


@pytest.mark.parametrize("name", sorted(API_SPECS) + sorted(PAGE_SPECS))
def test_matrix(name, world, client_of):
    spec = API_SPECS.get(name) or PAGE_SPECS[name]
    mismatches, cells = [], 0
    for key, role in PERSONAS.items():
        client = client_of(key)
        client.world = world
        for relation in RELATIONS if spec.target else ("own",):
            may = key is not None and role in spec.allowed and key not in spec.excluded and relation == "own"
            target = _target(world, spec, key, relation)
            if target is None:
                if may:  # an allowed cell must be tried: the fixture lacks what it acts on
                    mismatches.append(f"{key}/{relation}: allowed, but the fixture has no target to try")
                continue
            if key is None:
                expected = spec.anonymous
            else:
                expected = spec.ok if may else spec.denied
            with transaction.atomic():
                response = spec.call(client, target)
                rows = (
                    _row_mismatch(world, spec, key, response)
                    if spec.rows and key and response.status_code == 200
                    else ""
                )
                transaction.set_rollback(True)
            cells += 1
            allowed_statuses = expected if isinstance(expected, tuple) else (expected,)
            if response.status_code not in allowed_statuses or rows:
                mismatches.append(
                    f"{key or 'anonymous'}/{relation}: got {response.status_code}, expected {expected}{rows}"
                )
    assert cells >= len(PERSONAS)
    assert not mismatches, "\n".join(mismatches)
