"""Home care's rows of the authorization matrix (merged by tests/test_authorization_matrix.py).

Staff reach orders through the elder's enrolment (the programme readers of the area; the children's
programme officer is excluded); a provider's staff reach only orders offered or sent to their provider:
the target order is offered to provider A (``service_provider``) where A serves (community A), so
``service_provider_b`` is excluded (a 404) and a provider's order elsewhere is not theirs. The family's
pages (``my/``) are the resident's: the elder is registered with the resident's own phone. Targets are
made per cell (an order is a case: one in the shared world would change every casework count).

"""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from shequ.accounts.roles import Role
from tests.test_authorization_matrix import AUTHENTICATED, PAGE, Spec, Target, json_post

READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER}
)
MANAGERS = READERS - {Role.GRID_WORKER}
PROVIDERS = frozenset({Role.SERVICE_PROVIDER})
RESIDENTS = frozenset({Role.RESIDENT})
RESPONDERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SERVICE_PROVIDER}
)
CHILDREN = frozenset({"children_officer"})
PROVIDER_B = frozenset({"service_provider_b"})
PORTAL = {"anonymous": 302, "denied": 403}
API = "/api/programmes/homecare"
WEB = "/programmes/homecare"

_numbers = itertools.count()


def _persona_area(world, key):  # noqa: ANN001, ANN202
    from tests.test_authorization_matrix import _persona_area as area

    return area(world, key)


def _place(world, where, outside_own):  # noqa: ANN001, ANN202
    """A grid (or community) in ``where`` the cell may use: community A's first grid when it may."""
    from shequ.areas.models import Area

    for area in (world.grid_a1, world.grid_b1, world.community_b):
        if area.path.startswith(where.path) and outside_own(area.path):
            return area
    for area in Area.objects.filter(path__startswith=where.path, level__in=(5, 6)).order_by("level", "code")[:200]:
        if outside_own(area.path):
            return area
    return None


def _elder(world, area, phone: str):  # noqa: ANN001, ANN202
    from tests.homecare.world import elder

    community = area if area.level == 5 else area.parent
    n = next(_numbers)
    return elder(area, community, birth="1941-03-03", phone=phone, room=str(2000 + n % 1000))


def _enrolment(person):  # noqa: ANN001, ANN202
    from shequ.programmes.common.models import Enrolment, Programme

    return Enrolment.objects.create(
        programme=Programme.objects.get(code="homecare"),
        person=person,
        area=person.area,
        started_on=timezone.localdate(),
        reasons=[{"group": "80周岁及以上老年人", "rule": "矩阵"}],
    )


def _case(kind: str, person):  # noqa: ANN001, ANN202
    from shequ.casework.models import Case

    return Case.objects.create(
        number=f"HC{next(_numbers):08d}",
        kind=kind,
        area=person.area,
        channel="proxy",
        applicant=person,
        form_data="{}",
        address_text="和平路8号",
        submitted_at=timezone.now(),
        time_limit=3,
        time_limit_unit="calendar_days",
    )


def new_order(world, person, state: str = "offered"):  # noqa: ANN001, ANN202
    """An order of ``person`` (enrolled here) offered to the providers covering their place, in ``state``
    (accepted and later: by the first of them, provider A where A serves)."""
    from shequ.programmes.homecare import services
    from shequ.programmes.homecare.models import HomeCareOrder, OrderOffer, ServiceType

    now = timezone.now()
    order = HomeCareOrder.objects.create(
        case=_case("homecare_order", person),
        enrolment=_enrolment(person),
        area=person.area,
        service_type=ServiceType.objects.get(code="meal"),
        scheduled_start=now + datetime.timedelta(days=1),
        planned_minutes=60,
        state="new",
    )
    providers = services.covering_providers(order)
    for provider in providers:
        OrderOffer.objects.create(order=order, provider=provider, offered_at=now)
    if providers:
        order.state = state
        if state != "offered":
            order.provider, order.accepted_at = providers[0], now
        if state in ("checked_in", "done"):
            order.checkin_at = now
        if state == "done":
            order.checkout_at, order.delivered_minutes = now, 60
        order.save()
    return order


def _phone_of(world, key, where) -> str:  # noqa: ANN001
    """The resident's own phone on their own area (the elder is their family), else a stranger's."""
    if key == "resident" and where == _persona_area(world, key):
        return "13912345678"
    return f"1360000{next(_numbers) % 10000:04d}"


def _order_target(state: str):  # noqa: ANN202
    def target(world, key, where, outside_own):  # noqa: ANN001, ANN202
        area = _place(world, where, outside_own)
        if area is None:
            return None
        return Target(obj=new_order(world, _elder(world, area, _phone_of(world, key, where)), state))

    return target


def _call_target(world, key, where, outside_own):  # noqa: ANN001, ANN202
    """An emergency call of an elder here; their contracted provider is A where A serves."""
    from shequ.programmes.homecare.models import EmergencyCall
    from tests.homecare.support import provider

    area = _place(world, where, outside_own)
    if area is None:
        return None
    person = _elder(world, area, _phone_of(world, key, where))
    a = provider(world)
    serves = any(area.path.startswith(served.path) for served in a.areas.all())
    return Target(
        obj=EmergencyCall.objects.create(
            case=_case("emergency_call", person),
            person=person,
            area=area,
            provider=a if serves else None,
            called_at=timezone.now(),
            called_by_id=world.personas["resident"],
        )
    )


TARGETS = {
    "homecare_order": _order_target("offered"),
    "homecare_order_accepted": _order_target("accepted"),
    "homecare_order_checked_in": _order_target("checked_in"),
    "homecare_call": _call_target,
}


def _family(client, state: str = "done"):  # noqa: ANN001, ANN202
    """An order of an elder registered with the signed-in account's phone (their family's)."""
    from shequ.accounts.models import User

    world = client.world
    user_id = client.session.get("_auth_user_id")
    user = User.objects.get(pk=user_id) if user_id else None
    phone = user.phone if user is not None and user.phone else "13800000099"
    return new_order(world, _elder(world, world.grid_a1, phone), state)


def _new_entity(client):  # noqa: ANN001, ANN202
    import uuid

    from shequ.entities.models import LegalEntity
    from tests.factories import uscc

    tail = uuid.uuid4().hex[:5].upper().replace("I", "1").replace("O", "0")
    return LegalEntity.objects.create(
        area=client.world.district, name=f"矩阵服务商{tail}", uscc=uscc(f"91210102MA0Q{tail}"), kind="company"
    )


def _provider_user(client):  # noqa: ANN001, ANN202
    from shequ.accounts.models import Grant, User

    user = User.objects.create(username=f"hc-matrix-{next(_numbers)}")
    Grant.objects.create(user=user, role=Role.SERVICE_PROVIDER, area=client.world.district)
    return user


API_SPECS: dict[str, Spec] = {
    "homecare_orders_list": Spec(lambda c, t: c.get(f"{API}/orders"), AUTHENTICATED),
    "homecare_order_get": Spec(
        lambda c, t: c.get(f"{API}/orders/{t.obj.pk}"),
        READERS | PROVIDERS | RESIDENTS,
        target="homecare_order",
        excluded=CHILDREN | PROVIDER_B,
    ),
    "homecare_order_accept": Spec(
        lambda c, t: c.post(f"{API}/orders/{t.obj.pk}/accept"), PROVIDERS, target="homecare_order", excluded=PROVIDER_B
    ),
    "homecare_order_checkin": Spec(
        lambda c, t: json_post(c, f"{API}/orders/{t.obj.pk}/checkin", {"lon": 123.4, "lat": 41.8}),
        PROVIDERS,
        target="homecare_order_accepted",
        excluded=PROVIDER_B,
    ),
    "homecare_order_checkout": Spec(
        lambda c, t: json_post(c, f"{API}/orders/{t.obj.pk}/checkout", {}),
        PROVIDERS,
        target="homecare_order_checked_in",
        excluded=PROVIDER_B,
    ),
    "homecare_coverage": Spec(lambda c, t: c.get(f"{API}/coverage"), READERS, excluded=CHILDREN),
}

PAGE_SPECS: dict[str, Spec] = {
    "homecare:orders": Spec(lambda c, t: c.get(f"{WEB}/orders/"), READERS, excluded=CHILDREN, **PAGE),
    "homecare:order_new": Spec(lambda c, t: c.get(f"{WEB}/orders/new/"), READERS, excluded=CHILDREN, **PAGE),
    "homecare:order": Spec(
        lambda c, t: c.get(f"{WEB}/orders/{t.obj.pk}/"),
        READERS | PROVIDERS | RESIDENTS,
        target="homecare_order",
        excluded=CHILDREN | PROVIDER_B,
        **PAGE,
    ),
    "homecare:order_dispatch": Spec(
        lambda c, t: c.post(f"{WEB}/orders/{t.obj.pk}/dispatch/"),
        MANAGERS,
        ok=302,
        target="homecare_order",
        excluded=CHILDREN,
        **PAGE,
    ),
    "homecare:contract": Spec(
        lambda c, t: c.post(f"{WEB}/enrolments/{t.obj.enrolment_id}/provider/", {"order": t.obj.pk}),
        MANAGERS,
        ok=302,
        target="homecare_order",
        excluded=CHILDREN,
        **PAGE,
    ),
    "homecare:applications": Spec(lambda c, t: c.get(f"{WEB}/applications/"), READERS, excluded=CHILDREN, **PAGE),
    "homecare:figures": Spec(lambda c, t: c.get(f"{WEB}/figures/"), READERS, excluded=CHILDREN, **PAGE),
    # The target is reference data: the city's administrators and the elderly-care officers set it; the
    # city administrator reads no figures (the guard lets the registrars in, the service decides).
    "homecare:target": Spec(
        lambda c, t: c.post(f"{WEB}/figures/target/", {"due_on": "2025-12-31", "percent": "100", "source": "规划"}),
        frozenset({Role.CITY_ADMIN, Role.PROGRAMME_OFFICER}),
        ok=302,
        excluded=CHILDREN,
        **PAGE,
    ),
    "homecare:providers": Spec(
        lambda c, t: c.get(f"{WEB}/providers/"),
        frozenset({Role.CITY_ADMIN, Role.SYSADMIN, Role.PROGRAMME_OFFICER}),
        excluded=CHILDREN,
        **PAGE,
    ),
    "homecare:provider_new": Spec(
        lambda c, t: c.post(
            f"{WEB}/providers/new/",
            {"entity": _new_entity(c).pk, "areas": c.world.street.code, "service_types": ["meal", "cleaning"]},
        ),
        frozenset({Role.CITY_ADMIN, Role.PROGRAMME_OFFICER}),
        ok=302,
        excluded=CHILDREN,
        **PAGE,
    ),
    "homecare:provider_link": Spec(
        lambda c, t: c.post(
            f"{WEB}/providers/accounts/",
            {
                "username": _provider_user(c).username,
                "entity": __import__("tests.homecare.support", fromlist=["provider"]).provider(c.world).entity_id,
            },
        ),
        frozenset({Role.CITY_ADMIN, Role.SYSADMIN}),
        ok=302,
        **PAGE,
    ),
    "homecare:service_types": Spec(lambda c, t: c.get(f"{WEB}/service-types/"), frozenset({Role.CITY_ADMIN}), **PAGE),
    "homecare:phone": Spec(lambda c, t: c.get(f"{WEB}/phone/"), PROVIDERS, **PAGE),
    "homecare:accept": Spec(
        lambda c, t: c.post(f"{WEB}/phone/{t.obj.pk}/accept/"),
        PROVIDERS,
        ok=302,
        target="homecare_order",
        excluded=PROVIDER_B,
        **PAGE,
    ),
    "homecare:checkin": Spec(
        lambda c, t: c.post(f"{WEB}/phone/{t.obj.pk}/checkin/", {"lon": "123.4", "lat": "41.8"}),
        PROVIDERS,
        ok=302,
        target="homecare_order_accepted",
        excluded=PROVIDER_B,
        **PAGE,
    ),
    "homecare:checkout": Spec(
        lambda c, t: c.post(f"{WEB}/phone/{t.obj.pk}/checkout/"),
        PROVIDERS,
        ok=302,
        target="homecare_order_checked_in",
        excluded=PROVIDER_B,
        **PAGE,
    ),
    "homecare:family": Spec(lambda c, t: c.get(f"{WEB}/my/"), RESIDENTS, **PORTAL),
    "homecare:request": Spec(
        lambda c, t: c.post(
            f"{WEB}/my/request/",
            {
                "enrolment": _family(c, "offered").enrolment_id,
                "service_type": "cleaning",
                "scheduled_start": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                "planned_minutes": "60",
            },
        ),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "homecare:apply": Spec(
        lambda c, t: c.post(f"{WEB}/my/apply/", {"person": _family(c).enrolment.person_id}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "homecare:call": Spec(
        lambda c, t: c.post(f"{WEB}/my/call/", {"person": _family(c).enrolment.person_id}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "homecare:rate": Spec(
        lambda c, t: c.post(f"{WEB}/my/orders/{_family(c).pk}/rate/", {"level": "5", "reason": "很好"}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "homecare:complain": Spec(
        lambda c, t: c.post(f"{WEB}/my/orders/{_family(c).pk}/complain/", {"description": "迟到"}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "homecare:calls": Spec(lambda c, t: c.get(f"{WEB}/calls/"), RESPONDERS, **PAGE),
    "homecare:call_acknowledge": Spec(
        lambda c, t: c.post(f"{WEB}/calls/{t.obj.pk}/acknowledge/"),
        RESPONDERS,
        ok=302,
        target="homecare_call",
        excluded=PROVIDER_B,
        **PAGE,
    ),
}
