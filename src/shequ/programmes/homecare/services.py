"""Every write of home care: service types, providers and their staff accounts, orders (create, dispatch,
accept, check in, check out, rate, complain), and the emergency call. Keyword-only, the actor first,
atomic, audited in the same transaction; each finds what it changes through the actor's own reach
(``access``): out of reach is a 404.

An order is the side record of a case of kind ``homecare_order``: each step of the provider's work moves
the case too (accept, start, approve and complete), so the case's timeline and deadline tell the story
as for any case; the case kind lets the provider's staff make those moves (``case_may_act``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.accounts.roles import Role
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.casework import services as casework
from shequ.casework.models import CLOSED_STATES, Case, CaseState
from shequ.casework.workflow import TRANSITIONS, Action
from shequ.entities.models import LegalEntity
from shequ.lib.capabilities import Capability
from shequ.lib.geo import valid_point
from shequ.lib.scoping import granted_paths
from shequ.outbox.models import Channel
from shequ.outbox.services import message_queue
from shequ.programmes.common import access as core
from shequ.programmes.common import eligibility
from shequ.programmes.common import services as programmes
from shequ.programmes.common.models import Enrolment, EnrolmentState, ProviderAccount
from shequ.residents.models import Person

from . import access
from .models import (
    SPENDING_STATES,
    CoverageTarget,
    EmergencyCall,
    HomeCareOrder,
    OrderOffer,
    OrderState,
    Provider,
    ServiceType,
)

ORDER_KIND = "homecare_order"
APPLICATION_KIND = "homecare_application"
COMPLAINT_KIND = "homecare_complaint"
EMERGENCY_KIND = "emergency_call"
HOURS_BENEFIT = "homecare_hours"
# A visit lasts at most this long (a whole morning's care); longer is a typing error.
MAX_MINUTES = 8 * 60


def on_time_window() -> datetime.timedelta:
    """How late after the scheduled start a check-in still counts as on time (a setting)."""
    return datetime.timedelta(minutes=settings.SHEQU_HOMECARE_ON_TIME_MINUTES)


# ---- reference data: service types --------------------------------------------------------------------


@transaction.atomic
def service_type_save(*, actor: User, code: str, name: str, ordering: int = 0, is_active: bool = True) -> ServiceType:
    """Add a service type or change one (the city's administrators: reference data)."""
    if not granted_paths(actor, Capability.REFERENCE_EDIT):
        raise Http404
    code, name = code.strip(), name.strip()
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationError({"code": _("The code is letters, digits and underscores.")})
    if not name:
        raise ValidationError({"name": _("Give the name.")})
    found, created = ServiceType.objects.update_or_create(
        code=code, defaults={"name": name[:60], "ordering": ordering, "is_active": is_active}
    )
    record_event(actor=actor, action="homecare.service_type_save", obj=found, data={"code": code, "new": created})
    return found


@transaction.atomic
def coverage_target_save(*, actor: User, due_on: datetime.date, percent: Decimal, source: str = "") -> CoverageTarget:
    """Set the plan's coverage target for a date (the share of urban communities with government-bought
    home care): the city's administrators and the elderly-care programme officers."""
    if not access.may_register_providers(actor):
        raise Http404
    if not Decimal(0) < percent <= Decimal(100):
        raise ValidationError({"percent": _("The target is a share between 0 and 100%.")})
    target, created = CoverageTarget.objects.update_or_create(
        due_on=due_on, defaults={"percent": percent, "source": source.strip()[:200]}
    )
    record_event(
        actor=actor,
        action="homecare.target_save",
        obj=target,
        data={"due_on": due_on.isoformat(), "percent": str(percent), "new": created},
    )
    return target


# ---- providers ----------------------------------------------------------------------------------------


def _areas(actor: User, codes: list[str]) -> list[Area]:
    roots = {g.area.path for g in actor.grants.select_related("area")}
    areas = list(Area.objects.filter(code__in=[c.strip() for c in codes if c.strip()], is_active=True))
    if not areas:
        raise ValidationError({"areas": _("Choose the areas the provider serves.")})
    if len(areas) != len({c.strip() for c in codes if c.strip()}) or not all(
        any(a.path.startswith(root) for root in roots) for a in areas
    ):
        raise ValidationError({"areas": _("Choose areas of your own city.")})
    return areas


def _types(codes: list[str]) -> list[ServiceType]:
    found = list(ServiceType.objects.filter(code__in=codes, is_active=True))
    if not found or len(found) != len(set(codes)):
        raise ValidationError({"service_types": _("Choose the services the provider offers.")})
    return found


@transaction.atomic
def provider_register(*, actor: User, entity_id: int, area_codes: list[str], service_type_codes: list[str]) -> Provider:
    """Register a legal entity as a home-care provider, with its service areas and services."""
    if not access.may_register_providers(actor):
        raise Http404
    entity = LegalEntity.objects.filter(pk=entity_id).select_related("area").first()
    roots = {g.area.path for g in actor.grants.select_related("area")}
    if entity is None or not any(entity.area.path.startswith(root) for root in roots):
        raise Http404
    if Provider.objects.filter(entity=entity).exists():
        raise ValidationError({"entity": _("This legal entity is already a registered provider.")})
    areas, types = _areas(actor, area_codes), _types(service_type_codes)
    provider = Provider.objects.create(entity=entity, created_by=actor)
    provider.areas.set(areas)
    provider.service_types.set(types)
    record_event(
        actor=actor,
        action="homecare.provider_register",
        obj=provider,
        area=entity.area,
        data={"areas": [a.code for a in areas], "types": [t.code for t in types]},
    )
    return provider


@transaction.atomic
def provider_update(
    *, actor: User, provider_id: int, area_codes: list[str], service_type_codes: list[str], is_active: bool = True
) -> Provider:
    if not access.may_register_providers(actor):
        raise Http404
    provider = Provider.objects.select_for_update().select_related("entity__area").filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    areas, types = _areas(actor, area_codes), _types(service_type_codes)
    provider.is_active = is_active
    provider.save(update_fields=["is_active"])
    provider.areas.set(areas)
    provider.service_types.set(types)
    record_event(
        actor=actor,
        action="homecare.provider_update",
        obj=provider,
        area=provider.entity.area,
        data={"areas": [a.code for a in areas], "types": [t.code for t in types], "active": is_active},
    )
    return provider


@transaction.atomic
def provider_account_link(*, actor: User, user_id: int, entity_id: int) -> ProviderAccount:
    """Make an account one of a provider's staff (an account holding the service-provider role)."""
    if not access.may_link_accounts(actor):
        raise Http404
    user = User.objects.filter(pk=user_id, is_active=True, grants__role=Role.SERVICE_PROVIDER).distinct().first()
    if user is None:
        raise ValidationError({"user": _("Choose an active account with the service-provider role.")})
    if not Provider.objects.filter(entity_id=entity_id).exists():
        raise ValidationError({"entity": _("Choose a registered provider.")})
    link, _created = ProviderAccount.objects.update_or_create(user=user, defaults={"entity_id": entity_id})
    record_event(actor=actor, action="homecare.provider_account_link", obj=link, data={"entity": entity_id})
    return link


@transaction.atomic
def provider_account_unlink(*, actor: User, user_id: int) -> None:
    if not access.may_link_accounts(actor):
        raise Http404
    link = ProviderAccount.objects.filter(user_id=user_id).first()
    if link is None:
        raise Http404
    record_event(actor=actor, action="homecare.provider_account_unlink", obj=link, data={"entity": link.entity_id})
    link.delete()


@transaction.atomic
def enrolment_contract(*, actor: User, enrolment_id: int, provider_id: int | None) -> Enrolment:
    """Name the provider contracted to serve an enrolled elder (the one an emergency call also reaches):
    a provider serving the elder's address; None ends the contract. Staff who run the enrolment."""
    enrolment = (
        core.enrolments_visible(actor, Capability.PROGRAMME_MANAGE)
        .filter(programme__code=access.PROGRAMME_CODE, pk=enrolment_id)
        .select_for_update(of=("self",))
        .select_related("person__address__area", "person__area", "area")
        .first()
    )
    if enrolment is None:
        raise Http404
    provider = None
    if provider_id is not None:
        provider = Provider.objects.filter(pk=provider_id, is_active=True).prefetch_related("areas").first()
        place = _address_area(enrolment.person)
        if provider is None or not any(place.path.startswith(a.path) for a in provider.areas.all()):
            raise ValidationError({"provider": _("Choose a provider that serves the elder's address.")})
    return programmes.provider_contract(
        actor=actor, enrolment_id=enrolment.pk, entity_id=provider.entity_id if provider is not None else None
    )


# ---- the application (a case) -------------------------------------------------------------------------


def application_on_transition(case: Case, action: str, actor: object) -> None:
    """An approved application enrols the elder; an ineligible elder's approval is refused with the rule
    (the enrolment's ValidationError rolls the approval back)."""
    if action != Action.APPROVE or case.applicant_id is None:
        return
    assert isinstance(actor, User)
    programmes.enrol(actor=actor, programme_code=access.PROGRAMME_CODE, person_id=case.applicant_id, case_id=case.pk)


# ---- hours --------------------------------------------------------------------------------------------


def month_bounds(on: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.date(on.year, on.month, 1)
    end = programmes.add_months(start, 1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(start, datetime.time(), tzinfo=tz),
        datetime.datetime.combine(end, datetime.time(), tzinfo=tz),
    )


def allowance_minutes(enrolment: Enrolment, on: datetime.date) -> int:
    """The elder's monthly hours (the largest group's amount of the benefit), in minutes."""
    hours = eligibility.amount_for(enrolment.person, HOURS_BENEFIT, enrolment.programme, on)
    return int((hours or Decimal(0)) * 60)


def used_minutes(enrolment: Enrolment, on: datetime.date, exclude_id: int | None = None) -> int:
    """Minutes of the month spent: delivered where done, planned where still to come."""
    start, end = month_bounds(on)
    orders = HomeCareOrder.objects.filter(enrolment=enrolment, scheduled_start__gte=start, scheduled_start__lt=end)
    if exclude_id is not None:
        orders = orders.exclude(pk=exclude_id)
    planned = orders.filter(state__in=SPENDING_STATES).aggregate(n=Sum("planned_minutes"))["n"] or 0
    delivered = orders.filter(state=OrderState.DONE).aggregate(n=Sum("delivered_minutes"))["n"] or 0
    return planned + delivered


# ---- orders -------------------------------------------------------------------------------------------


def _enrolment_for_order(actor: User, enrolment_id: int) -> Enrolment:
    """An active home-care enrolment the actor runs, or one of their family's (a resident asks); locked,
    so that two orders at once cannot both spend the last hours."""
    enrolments = Enrolment.objects.filter(programme__code=access.PROGRAMME_CODE)
    managed = core.enrolments_visible(actor, Capability.PROGRAMME_MANAGE)
    family = access.family_persons(actor) if access.is_resident(actor) else Person.objects.none()
    enrolment = (
        enrolments.filter(Q(pk__in=managed.values("pk")) | Q(person__in=family), pk=enrolment_id)
        .select_for_update(of=("self",))
        .select_related("programme", "person__address__area", "person__area", "area")
        .first()
    )
    if enrolment is None:
        raise Http404
    if enrolment.state != EnrolmentState.ACTIVE:
        raise ValidationError({"enrolment": _("This elder's home care is not active.")})
    return enrolment


def _address_area(person: Person) -> Area:
    return person.address.area if person.address_id and person.address else person.area


@transaction.atomic
def order_create(
    *,
    actor: User,
    enrolment_id: int,
    service_type_code: str,
    scheduled_start: datetime.datetime,
    planned_minutes: int,
    note: str = "",
) -> HomeCareOrder:
    """Order a visit for an enrolled elder (staff who run the enrolment, or the elder's family). Refused
    when it would spend more than the month's remaining hours."""
    enrolment = _enrolment_for_order(actor, enrolment_id)
    service = ServiceType.objects.filter(code=service_type_code, is_active=True).first()
    if service is None:
        raise ValidationError({"service_type": _("Choose a service.")})
    if not 0 < planned_minutes <= MAX_MINUTES:
        raise ValidationError({"planned_minutes": _("A visit lasts between 1 minute and 8 hours.")})
    if timezone.is_naive(scheduled_start):
        scheduled_start = timezone.make_aware(scheduled_start)
    if scheduled_start < timezone.now() - datetime.timedelta(hours=1):
        raise ValidationError({"scheduled_start": _("The visit cannot start in the past.")})
    month = timezone.localdate(scheduled_start)
    allowed, used = allowance_minutes(enrolment, month), used_minutes(enrolment, month)
    if used + planned_minutes > allowed:
        raise ValidationError(
            {
                "planned_minutes": _(
                    "This visit needs %(wanted)s hours but only %(left)s of the month's %(allowed)s hours are left."
                )
                % {
                    "wanted": _hours(planned_minutes),
                    "left": _hours(max(allowed - used, 0)),
                    "allowed": _hours(allowed),
                }
            }
        )
    person = enrolment.person
    area = _address_area(person)
    case = casework.case_open_for_kind(
        actor=actor,
        kind=ORDER_KIND,
        area=area,
        applicant=person,
        description=f"{service.name} {timezone.localtime(scheduled_start):%Y-%m-%d %H:%M} {note.strip()[:500]}".strip(),
        parent=enrolment.case,
        address_text=str(person.address.street_address) if person.address_id and person.address else "",
    )
    order = HomeCareOrder.objects.create(
        case=case,
        enrolment=enrolment,
        area=area,
        service_type=service,
        scheduled_start=scheduled_start,
        planned_minutes=planned_minutes,
        created_by=actor,
    )
    record_event(
        actor=actor,
        action="homecare.order_create",
        obj=order,
        data={"service": service.code, "minutes": planned_minutes, "case": case.pk},
    )
    return order


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


def covering_providers(order: HomeCareOrder) -> list[Provider]:
    """The active providers whose service areas include the order's area and who offer its service."""
    providers = Provider.objects.filter(is_active=True, service_types=order.service_type).prefetch_related("areas")
    return [p for p in providers.distinct() if any(order.area.path.startswith(a.path) for a in p.areas.all())]


def _staff_order(actor: User, order_id: int, capability: str = Capability.PROGRAMME_MANAGE) -> HomeCareOrder:
    order = (
        access.staff_orders(actor, capability)
        .select_for_update(of=("self",))
        .select_related("area", "service_type", "case", "enrolment__person")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    return order


@transaction.atomic
def order_dispatch(*, actor: User, order_id: int) -> list[Provider]:
    """Offer the order to every provider covering its area and service (never another): their staff are
    told, and the first to accept has it."""
    order = _staff_order(actor, order_id)
    if order.state not in (OrderState.NEW, OrderState.OFFERED):
        raise ValidationError({"order": _("This order is already %(state)s.") % {"state": order.get_state_display()}})
    providers = covering_providers(order)
    if not providers:
        raise ValidationError({"order": _("No registered provider serves this area with this service.")})
    now = timezone.now()
    already = set(order.offers.values_list("provider_id", flat=True))
    new = [p for p in providers if p.pk not in already]
    OrderOffer.objects.bulk_create([OrderOffer(order=order, provider=p, offered_at=now) for p in new])
    order.state = OrderState.OFFERED
    order.save(update_fields=["state"])
    text = _("A home-care order %(number)s is offered to you (%(service)s, %(at)s).") % {
        "number": order.case.number,
        "service": order.service_type.name,
        "at": f"{timezone.localtime(order.scheduled_start):%Y-%m-%d %H:%M}",
    }
    for account in ProviderAccount.objects.filter(entity_id__in=[p.entity_id for p in new]).select_related("user"):
        if account.user.is_active:
            message_queue(channel=Channel.SITE, recipient=account.user, body=text, topic=f"homecare.order:{order.pk}")
    record_event(
        actor=actor, action="homecare.order_dispatch", obj=order, data={"providers": [p.pk for p in providers]}
    )
    return providers


def _move(actor: User, case: Case, *actions: Action) -> None:
    """Move the order's case along, skipping a step staff already took on the case's own page."""
    for action in actions:
        case.refresh_from_db(fields=["state"])
        if case.state in TRANSITIONS[action].sources:
            casework.case_act(actor=actor, case_id=case.pk, action=action.value)


def _provider_order(actor: User, order_id: int) -> tuple[Provider, HomeCareOrder]:
    provider = access.provider_of(actor)
    if provider is None:
        raise Http404
    order = access.provider_orders(actor).select_related("case", "area", "service_type").filter(pk=order_id).first()
    if order is None:
        raise Http404
    return provider, order


@transaction.atomic
def order_accept(*, actor: User, order_id: int) -> HomeCareOrder:
    """A provider's staff accept an order offered to their provider. Of two providers accepting at once
    exactly one wins: one conditional UPDATE; the other is told it is taken."""
    provider, order = _provider_order(actor, order_id)
    if not order.offers.filter(provider=provider).exists():
        raise Http404
    won = HomeCareOrder.objects.filter(pk=order.pk, state=OrderState.OFFERED, provider__isnull=True).update(
        state=OrderState.ACCEPTED, provider=provider, accepted_by=actor, accepted_at=timezone.now()
    )
    if not won:
        order.refresh_from_db()
        if order.provider_id == provider.pk and order.state != OrderState.CANCELLED:
            return order
        raise ValidationError({"order": _("This order has already been taken or is no longer offered.")})
    order.refresh_from_db()
    _move(actor, order.case, Action.ACCEPT)
    record_event(actor=actor, action="homecare.order_accept", obj=order, data={"provider": provider.pk})
    return order


def _point(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    if (lon is None) != (lat is None) or (lon is not None and lat is not None and not valid_point(lon, lat)):
        raise ValidationError({"position": _("The position the phone gave is not a valid position.")})
    return lon, lat


def _own_order_locked(actor: User, order_id: int) -> HomeCareOrder:
    provider, _order = _provider_order(actor, order_id)
    order = (
        HomeCareOrder.objects.select_for_update(of=("self",))
        .select_related("case", "area", "service_type")
        .get(pk=order_id)
    )
    if order.provider_id != provider.pk:
        raise ValidationError({"order": _("This order was accepted by another provider.")})
    return order


@transaction.atomic
def order_checkin(*, actor: User, order_id: int, lon: float | None = None, lat: float | None = None) -> HomeCareOrder:
    """The provider's worker arrives: the time and the place the phone gives are recorded."""
    order = _own_order_locked(actor, order_id)
    if order.state != OrderState.ACCEPTED:
        raise ValidationError(
            {
                "order": _("Only an accepted order can be checked in (it is %(state)s).")
                % {"state": order.get_state_display()}
            }
        )
    order.checkin_lon, order.checkin_lat = _point(lon, lat)
    order.checkin_at, order.state = timezone.now(), OrderState.CHECKED_IN
    order.save(update_fields=["checkin_at", "checkin_lon", "checkin_lat", "state"])
    _move(actor, order.case, Action.START)
    record_event(
        actor=actor,
        action="homecare.order_checkin",
        obj=order,
        data={"late": order.checkin_at > order.scheduled_start + on_time_window(), "located": lon is not None},
    )
    return order


@transaction.atomic
def order_checkout(*, actor: User, order_id: int, lon: float | None = None, lat: float | None = None) -> HomeCareOrder:
    """The worker leaves: the time, the place and the minutes delivered (from check-in) are recorded."""
    order = _own_order_locked(actor, order_id)
    if order.state != OrderState.CHECKED_IN or order.checkin_at is None:
        raise ValidationError({"order": _("Check in first: an order is checked out only after its check-in.")})
    order.checkout_lon, order.checkout_lat = _point(lon, lat)
    now = timezone.now()
    order.checkout_at, order.state = now, OrderState.DONE
    order.delivered_minutes = max(1, round((now - order.checkin_at).total_seconds() / 60))
    order.save(update_fields=["checkout_at", "checkout_lon", "checkout_lat", "state", "delivered_minutes"])
    _move(actor, order.case, Action.APPROVE, Action.COMPLETE)
    record_event(actor=actor, action="homecare.order_checkout", obj=order, data={"minutes": order.delivered_minutes})
    return order


@transaction.atomic
def order_rate(*, actor: User, order_id: int, level: int, reason: str) -> HomeCareOrder:
    """The elder or their family rate a done order, once, 1 to 5, with a reason."""
    order = (
        access.family_orders(actor).select_for_update(of=("self",)).select_related("area").filter(pk=order_id).first()
        if access.is_resident(actor)
        else None
    )
    if order is None:
        raise Http404
    if order.state != OrderState.DONE:
        raise ValidationError({"level": _("An order is rated once the visit is done.")})
    if order.rated_at is not None:
        raise ValidationError({"level": _("This order has already been rated.")})
    if level not in (1, 2, 3, 4, 5):
        raise ValidationError({"level": _("Choose from 1 to 5.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you give this rating.")})
    order.rating, order.rating_reason, order.rated_at, order.rated_by = (
        level,
        reason.strip()[:2000],
        timezone.now(),
        actor,
    )
    order.save(update_fields=["rating", "rating_reason", "rated_at", "rated_by"])
    record_event(actor=actor, action="homecare.order_rate", obj=order, data={"level": level})
    return order


@transaction.atomic
def complaint_file(*, actor: User, order_id: int, description: str) -> Case:
    """A complaint about an order: a case of kind ``homecare_complaint`` under the order's case, for the
    community's staff (the elder's family, or staff who run the enrolment, file it)."""
    family = access.family_orders(actor) if access.is_resident(actor) else HomeCareOrder.objects.none()
    order = (
        HomeCareOrder.objects.filter(
            Q(pk__in=family.values("pk"))
            | Q(pk__in=access.staff_orders(actor, Capability.PROGRAMME_MANAGE).values("pk")),
            pk=order_id,
        )
        .select_related("case", "area", "enrolment__person")
        .first()
    )
    if order is None:
        raise Http404
    if not description.strip():
        raise ValidationError({"description": _("Say what went wrong.")})
    if len(description) > 2000:
        raise ValidationError({"description": _("The description is at most 2,000 characters.")})
    case = casework.case_open_for_kind(
        actor=actor,
        kind=COMPLAINT_KIND,
        area=order.area,
        applicant=order.enrolment.person,
        description=description,
        parent=order.case,
        notify=_community_staff(order.area),
    )
    record_event(actor=actor, action="homecare.complaint", obj=order, data={"case": case.pk})
    return case


def _ancestor(area: Area, level: int) -> Area | None:
    node: Area | None = area
    while node is not None and node.level > level:
        node = node.parent
    return node if node is not None and node.level == level else None


def _community_staff(area: Area) -> list[User]:
    community = _ancestor(area, Level.COMMUNITY)
    if community is None:
        return []
    return list(
        User.objects.filter(is_active=True, grants__role=Role.COMMUNITY_STAFF, grants__area=community).distinct()
    )


def _grid_workers(area: Area) -> list[User]:
    grid = _ancestor(area, Level.GRID)
    if grid is None:
        return []
    return list(User.objects.filter(is_active=True, grants__role=Role.GRID_WORKER, grants__area=grid).distinct())


# ---- the case kinds' rule: who else may act --------------------------------------------------------------


def case_may_act(case: Case, actor: object, action: str) -> bool:
    """Provider staff act on the case of an order sent to their provider (and of an emergency call of an
    elder their provider is contracted for): accept (the order's first), start, approve, complete."""
    if not isinstance(actor, User):
        return False
    provider = access.provider_of(actor)
    if provider is None:
        return False
    if case.kind == ORDER_KIND:
        order = HomeCareOrder.objects.filter(case=case).values("provider_id", "state").first()
        if order is None:
            return False
        if order["provider_id"] == provider.pk:
            return action in ("", Action.ACCEPT, Action.START, Action.APPROVE, Action.COMPLETE)
        offered = OrderOffer.objects.filter(order__case=case, provider=provider).exists()
        return offered and action in ("", Action.ACCEPT) and order["provider_id"] is None
    if case.kind == EMERGENCY_KIND:
        return EmergencyCall.objects.filter(case=case, provider=provider).exists() and action in ("", Action.ACCEPT)
    return False


def order_on_transition(case: Case, action: str, actor: object) -> None:
    """Staff rejecting or withdrawing an order's case cancel the order."""
    if case.state in CLOSED_STATES and case.state != CaseState.COMPLETED:
        HomeCareOrder.objects.filter(case=case).exclude(state=OrderState.DONE).update(state=OrderState.CANCELLED)


# ---- the emergency call (一键呼叫) ----------------------------------------------------------------------------


@transaction.atomic
def emergency_call(*, actor: User, person_id: int) -> EmergencyCall:
    """The elder or their family press the button: an urgent case with the address, and site messages to
    the grid's worker (else the community's staff) and the staff of the elder's contracted provider."""
    if not access.is_resident(actor):
        raise Http404
    person = access.family_persons(actor).select_related("address__area", "area").filter(pk=person_id).first()
    if person is None:
        raise Http404
    area = _address_area(person)
    entity_ids = list(
        Enrolment.objects.filter(person=person, state=EnrolmentState.ACTIVE, provider__isnull=False).values_list(
            "provider_id", flat=True
        )
    )
    provider = Provider.objects.filter(entity_id__in=entity_ids, is_active=True).first()
    provider_staff = [
        a.user
        for a in ProviderAccount.objects.filter(entity_id__in=entity_ids).select_related("user")
        if a.user.is_active
    ]
    responders = _grid_workers(area) or _community_staff(area)
    address = ""
    if person.address_id and person.address:
        a = person.address
        address = f"{a.street_address} {a.building}-{a.unit}-{a.room}".strip(" -")
    case = casework.case_open_for_kind(
        actor=actor,
        kind=EMERGENCY_KIND,
        area=area,
        applicant=person,
        description=_("Emergency call: the elder needs help now."),
        address_text=address,
        notify=responders + provider_staff,
    )
    call = EmergencyCall.objects.create(
        case=case, person=person, area=area, provider=provider, called_at=case.submitted_at, called_by=actor
    )
    record_event(actor=actor, action="homecare.emergency_call", obj=call, data={"case": case.pk})
    return call


def calls_for_responder(actor: User) -> list[int]:
    """The calls the actor may acknowledge: their area's (a case handler) or their provider's."""
    provider = access.provider_of(actor)
    q = Q(pk__in=[])
    if provider is not None:
        q |= Q(provider=provider)
    paths = granted_paths(actor, Capability.CASE_HANDLE)
    for path in paths:
        q |= Q(area__path__startswith=path)
    return list(EmergencyCall.objects.filter(q).values_list("pk", flat=True))


@transaction.atomic
def emergency_acknowledge(*, actor: User, call_id: int) -> EmergencyCall:
    """The first response to a call (the grid's worker or the provider): recorded once, with its time."""
    if call_id not in calls_for_responder(actor):
        raise Http404
    now = timezone.now()
    won = EmergencyCall.objects.filter(pk=call_id, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    call = EmergencyCall.objects.select_related("case", "area").get(pk=call_id)
    if won:
        _move(actor, call.case, Action.ACCEPT)
        record_event(
            actor=actor, action="homecare.emergency_acknowledge", obj=call, data={"seconds": call.response_seconds}
        )
    return call
