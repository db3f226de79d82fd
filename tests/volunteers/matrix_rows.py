"""Mutual-aid care's rows of the authorization matrix (tests/test_authorization_matrix.py merges them).

Staff pages and lists: the programme's readers (grid worker, community staff, street, district, the
eldercare officer; never the children's officer). Decisions, tasks posted, hours confirmed and
redemptions: its managers (no grid worker). The residents' pages: residents only (staff 403, anonymous
to the portal's sign-in); what a resident acts on is made for the signed-in account's phone inside the
cell's transaction."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.areas.models import Area
from tests.factories import id_number
from tests.test_authorization_matrix import AUTHENTICATED, PAGE, Spec, Target, json_post

API = "/api/programmes/volunteers"
WEB = "/programmes/volunteers"
READERS = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.PROGRAMME_OFFICER}
)
MANAGERS = READERS - {Role.GRID_WORKER}
RESIDENTS = frozenset({Role.RESIDENT})

PORTAL = {"anonymous": 302, "denied": 403}
# The eldercare programme is not the children's officer's.
OTHERS = frozenset({"children_officer"})

_order = itertools.count(1)


# ---- targets: the world's rows (tests/volunteers/world.py) where the persona acts -----------------------


def _first(rows, where: Area, outside_own, area_of):
    for row in rows:
        path = area_of(row).path
        if path.startswith(where.path) and outside_own(path):
            return Target(obj=row)
    return None


def _volunteers(*keys: str):
    def find(world, key, where, outside_own):
        from shequ.programmes.volunteers.models import Volunteer

        pks = [getattr(world.volunteers, k) for k in keys]
        rows = Volunteer.objects.filter(pk__in=pks).select_related("area", "person").order_by("pk")
        return _first(rows, where, outside_own, lambda v: v.area)

    return find


def _tasks(*keys: str):
    def find(world, key, where, outside_own):
        from shequ.programmes.volunteers.models import CareTask

        pks = [getattr(world.volunteers, k) for k in keys]
        return _first(
            CareTask.objects.filter(pk__in=pks).select_related("area").order_by("pk"),
            where,
            outside_own,
            lambda t: t.area,
        )

    return find


def _elders(world, key, where, outside_own):
    from shequ.residents.models import Person

    pks = [world.volunteers.elder_a, world.volunteers.elder_b]
    return _first(
        Person.objects.filter(pk__in=pks).select_related("area").order_by("pk"), where, outside_own, lambda p: p.area
    )


TARGETS = {
    "vol_volunteer": _volunteers("volunteer_a", "volunteer_b"),
    "vol_pending": _volunteers("pending_a", "pending_b"),
    "vol_done": _tasks("done_a", "done_b"),
    "vol_task": _tasks("open_a", "open_b"),
    "vol_elder": _elders,
}


# ---- a resident's own rows, made for the signed-in account's phone ------------------------------------


def _me(client) -> User:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else User.objects.get(username="community_staff")


def _my_person(client, born: str):
    from shequ.residents.models import Address, Household, Person, Relation, ResidenceType, Sex

    world, me = client.world, _me(client)
    n = next(_order)
    address = Address.objects.create(
        area=world.grid_a1, street_address="矩阵路2号", building="3", unit="1", room=str(n)
    )
    household = Household.objects.create(area=world.community_a, address=address, number=f"VM-{n}")
    return Person.objects.create(
        area=world.grid_a1,
        name="矩阵志愿者",
        id_number=id_number(n % 997 + 1, birth=born.replace("-", "")),
        phone=me.phone or "13800000098",
        sex=Sex.MALE,
        birth_date=born,
        residence_type=ResidenceType.REGISTERED,
        household=household,
        relation=Relation.HEAD,
        address=address,
    )


def _my_volunteer(client):
    from shequ.programmes.volunteers.models import Volunteer, VolunteerState

    person = _my_person(client, "1985-02-02")
    return Volunteer.objects.create(
        person=person,
        account=_me(client),
        area=person.area,
        availability="周末",
        consent_at=timezone.now(),
        state=VolunteerState.CONFIRMED,
    )


def _task(client, **fields):
    from shequ.programmes.volunteers.models import CareTask, ServiceType

    values = {
        "elder_id": client.world.volunteers.elder_a,
        "area": client.world.grid_a1,
        "service_type": ServiceType.objects.get(code="shopping"),
        "starts_at": timezone.now() - datetime.timedelta(hours=1),
        "duration_minutes": 60,
        "posted_by": User.objects.get(username="community_staff"),
    } | fields
    return CareTask.objects.create(**values)


def own_open_task(client) -> int:
    _my_volunteer(client)
    return _task(client).pk


def own_taken_task(client) -> int:
    return _task(client, state="taken", volunteer=_my_volunteer(client), taken_at=timezone.now()).pk


def family_done_task(client, state: str = "done") -> int:
    """A task for an elder registered with the account's phone, done by the world's volunteer 赵强."""
    from shequ.programmes.volunteers.models import Volunteer

    elder = _my_person(client, "1946-03-03")
    volunteer = Volunteer.objects.get(pk=client.world.volunteers.volunteer_a2)
    return _task(client, elder_id=elder.pk, state=state, volunteer=volunteer, taken_at=timezone.now(), hours="1.0").pk


def family_paid_task(client) -> int:
    _my_volunteer(client)
    return family_done_task(client, state="confirmed")


def own_volunteer_id(client) -> int:
    return _my_volunteer(client).pk


# ---- rows -----------------------------------------------------------------------------------------------

API_SPECS = {
    "volunteers_list": Spec(lambda c, t: c.get(f"{API}/volunteers"), READERS, excluded=OTHERS),
    "volunteer_decide": Spec(
        lambda c, t: json_post(c, f"{API}/volunteers/{t.obj.pk}/decision", {"confirm": True}),
        MANAGERS,
        target="vol_pending",
        excluded=OTHERS,
    ),
    "volunteer_redeem": Spec(
        lambda c, t: json_post(
            c,
            f"{API}/volunteers/{t.obj.pk}/redemptions",
            {"hours": "0.5", "beneficiary_id": t.obj.person_id, "reason": "上门理发"},
        ),
        MANAGERS,
        ok=201,
        target="vol_volunteer",
        excluded=OTHERS,
    ),
    "volunteer_tasks_list": Spec(lambda c, t: c.get(f"{API}/tasks"), READERS, excluded=OTHERS),
    "volunteer_task_post": Spec(
        lambda c, t: json_post(
            c,
            f"{API}/tasks",
            {
                "elder_id": t.obj.pk,
                "service": "shopping",
                "starts_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
                "duration_minutes": 30,
            },
        ),
        MANAGERS,
        ok=201,
        target="vol_elder",
        excluded=OTHERS,
    ),
    # Anyone signed in may ask; only a confirmed volunteer finds tasks in the answer.
    "volunteer_open_tasks": Spec(lambda c, t: c.get(f"{API}/tasks/open"), AUTHENTICATED),
    "volunteer_task_take": Spec(lambda c, t: c.post(f"{API}/tasks/{own_open_task(c)}/take"), RESIDENTS),
    "volunteer_task_complete": Spec(
        lambda c, t: json_post(c, f"{API}/tasks/{own_taken_task(c)}/complete", {"hours": "1"}), RESIDENTS
    ),
    "volunteer_task_confirm": Spec(
        lambda c, t: c.post(f"{API}/tasks/{t.obj.pk}/confirm"), MANAGERS, target="vol_done", excluded=OTHERS
    ),
    "volunteer_figures": Spec(lambda c, t: c.get(f"{API}/figures"), READERS, excluded=OTHERS),
}

PAGE_SPECS = {
    "volunteers:volunteers": Spec(lambda c, t: c.get(f"{WEB}/"), READERS, excluded=OTHERS, **PAGE),
    "volunteers:volunteer": Spec(
        lambda c, t: c.get(f"{WEB}/{t.obj.pk}/"), READERS, target="vol_volunteer", excluded=OTHERS, **PAGE
    ),
    "volunteers:decide": Spec(
        lambda c, t: c.post(f"{WEB}/{t.obj.pk}/decide/", {"decision": "confirm"}),
        MANAGERS,
        ok=302,
        target="vol_pending",
        excluded=OTHERS,
        **PAGE,
    ),
    "volunteers:redeem": Spec(
        lambda c, t: c.post(
            f"{WEB}/{t.obj.pk}/redeem/", {"hours": "0.5", "beneficiary": t.obj.person_id, "reason": "上门理发"}
        ),
        MANAGERS,
        ok=302,
        target="vol_volunteer",
        excluded=OTHERS,
        **PAGE,
    ),
    "volunteers:certificate": Spec(
        lambda c, t: c.get(f"{WEB}/{t.obj.pk}/certificate/"), READERS, target="vol_volunteer", excluded=OTHERS, **PAGE
    ),
    "volunteers:tasks": Spec(lambda c, t: c.get(f"{WEB}/tasks/"), READERS, excluded=OTHERS, **PAGE),
    "volunteers:task_new": Spec(lambda c, t: c.get(f"{WEB}/tasks/new/"), MANAGERS, excluded=OTHERS, **PAGE),
    "volunteers:task": Spec(
        lambda c, t: c.get(f"{WEB}/tasks/{t.obj.pk}/"), READERS, target="vol_task", excluded=OTHERS, **PAGE
    ),
    "volunteers:confirm": Spec(
        lambda c, t: c.post(f"{WEB}/tasks/{t.obj.pk}/confirm/"),
        MANAGERS,
        ok=302,
        target="vol_done",
        excluded=OTHERS,
        **PAGE,
    ),
    "volunteers:cancel": Spec(
        lambda c, t: c.post(f"{WEB}/tasks/{t.obj.pk}/cancel/", {"reason": "老人住院"}),
        MANAGERS,
        ok=302,
        target="vol_task",
        excluded=OTHERS,
        **PAGE,
    ),
    "volunteers:pending": Spec(lambda c, t: c.get(f"{WEB}/pending/"), READERS, excluded=OTHERS, **PAGE),
    "volunteers:figures": Spec(lambda c, t: c.get(f"{WEB}/figures/"), READERS, excluded=OTHERS, **PAGE),
    "volunteers:service_types": Spec(lambda c, t: c.get(f"{WEB}/service-types/"), READERS, excluded=OTHERS, **PAGE),
    "volunteers:portal": Spec(lambda c, t: c.get(f"{WEB}/portal/"), RESIDENTS, **PORTAL),
    "volunteers:register": Spec(lambda c, t: c.get(f"{WEB}/portal/register/"), RESIDENTS, **PORTAL),
    "volunteers:portal_post": Spec(lambda c, t: c.get(f"{WEB}/portal/request/"), RESIDENTS, **PORTAL),
    "volunteers:portal_task": Spec(
        lambda c, t: c.get(f"{WEB}/portal/tasks/{family_done_task(c)}/"), RESIDENTS, **PORTAL
    ),
    "volunteers:take": Spec(
        lambda c, t: c.post(f"{WEB}/portal/tasks/{own_open_task(c)}/take/"), RESIDENTS, ok=302, **PORTAL
    ),
    "volunteers:release": Spec(
        lambda c, t: c.post(f"{WEB}/portal/tasks/{own_taken_task(c)}/release/"), RESIDENTS, ok=302, **PORTAL
    ),
    "volunteers:complete": Spec(
        lambda c, t: c.post(f"{WEB}/portal/tasks/{own_taken_task(c)}/complete/", {"hours": "1"}),
        RESIDENTS,
        ok=302,
        **PORTAL,
    ),
    "volunteers:portal_confirm": Spec(
        lambda c, t: c.post(f"{WEB}/portal/tasks/{family_done_task(c)}/confirm/"), RESIDENTS, ok=302, **PORTAL
    ),
    "volunteers:pay": Spec(
        lambda c, t: c.post(f"{WEB}/portal/tasks/{family_paid_task(c)}/pay/"), RESIDENTS, ok=302, **PORTAL
    ),
    "volunteers:account": Spec(lambda c, t: c.get(f"{WEB}/portal/account/{own_volunteer_id(c)}/"), RESIDENTS, **PORTAL),
    "volunteers:portal_certificate": Spec(
        lambda c, t: c.get(f"{WEB}/portal/account/{own_volunteer_id(c)}/certificate/"), RESIDENTS, **PORTAL
    ),
}
