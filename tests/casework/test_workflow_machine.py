"""The case workflow as a state machine (hypothesis ``RuleBasedStateMachine``): a case is filed on one of the
three channels, then random actors (the applicant resident, the grid worker, community staff, the street
officer, staff of another community) try random actions, take it and add files while the clock moves.

After every step: a transition happened iff ``workflow.TRANSITIONS`` allows it from that state to that
actor (else a ValidationError or a 404, and nothing changed); every transition wrote one audit event and
one case event; the deadline is what an independent count over the calendar's rows says, the clock
standing still while the case waits for the resident; a second request for materials is refused unless
the resident changed something since the first.

Each example runs in a savepoint of the test's transaction, rolled back at its end.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

import pytest
from casework_support import PNG, SHANGHAI, make_household, residence_form, upload
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, Phase
from hypothesis import event as note_event
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from shequ.audit.models import AuditEvent
from shequ.casework import services
from shequ.casework.catalogue import item_create
from shequ.casework.models import Case, CaseEvent, CaseState, ChannelChoice, MaterialRequest
from shequ.casework.workflow import CLOCK_STOPPED_STATES, TRANSITIONS, Action, Who
from shequ.lib.capabilities import Capability
from shequ.reference.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

ACTORS = ("resident", "grid_worker", "community_staff", "street_officer", "community_staff_b")
# What each persona holds over the case's area (grid A1): the roles' table as the issue states it (grid
# workers handle cases, community staff and officers above also decide), not read from the code.
HOLDS = {
    "resident": frozenset(),
    "grid_worker": frozenset({Capability.CASE_READ, Capability.CASE_HANDLE}),
    "community_staff": frozenset({Capability.CASE_READ, Capability.CASE_HANDLE, Capability.CASE_DECIDE}),
    "street_officer": frozenset({Capability.CASE_READ, Capability.CASE_HANDLE, Capability.CASE_DECIDE}),
    "community_staff_b": frozenset(),  # community B: the case is out of reach (404)
}
CLOSED = {CaseState.REJECTED, CaseState.COMPLETED, CaseState.WITHDRAWN}
MATERIALS = ("id_card", "housing_proof", "hukou")  # the made items' and 居住证明's
CARD_MATERIALS = ("id_card", "hukou", "photo_1inch")  # 老年人优待证's
STARTS = (
    datetime(2025, 9, 24, 9, 30, tzinfo=SHANGHAI),  # a Wednesday before 国庆 2025 (make-up day 9-28)
    datetime(2026, 2, 11, 16, 0, tzinfo=SHANGHAI),  # before 春节 2026 (make-up days 2-14, 2-28)
    datetime(2026, 12, 18, 10, 0, tzinfo=SHANGHAI),  # runs into 2027, not official in the seed
)


# --- an independent count of working days, over the calendar's rows -------------------------------


class Days:
    def __init__(self) -> None:
        self.kind = dict(CalendarDay.objects.values_list("day", "kind"))
        self.official = set(CalendarYear.objects.filter(official=True).values_list("year", flat=True))

    def working(self, day: date) -> bool:
        kind = self.kind.get(day)
        if kind == "workday":
            return True
        if kind == "day_off":
            return False
        return day.isoweekday() <= 5

    def after(self, day: date, n: int) -> tuple[date, bool]:
        """The n-th working day after ``day``, and whether a day walked over is in an unofficial year."""
        flagged = False
        while n > 0:
            day += timedelta(days=1)
            flagged |= day.year not in self.official
            n -= self.working(day)
        return day, flagged

    def between(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end], and whether one of those days is in an unofficial year."""
        days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
        return sum(self.working(d) for d in days), any(d.year not in self.official for d in days)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def first_deadline(days: Days, submitted: datetime, amount: int, unit: str) -> tuple[datetime, bool]:
    local = submitted.astimezone(SHANGHAI)
    if unit == "working_days":
        day, flagged = days.after(local.date(), amount)
        return end_of(day), flagged
    if unit == "calendar_days":
        return end_of(local.date() + timedelta(days=amount)), False
    return local + (timedelta(hours=amount) if unit == "hours" else timedelta(minutes=amount)), False


def moved_deadline(days: Days, old: datetime, stopped: datetime, resumed: datetime, unit: str) -> tuple[datetime, bool]:
    """The deadline moves on by the working time that passed while the clock stood still (the working days
    after the day it stopped up to the day it restarted), or by the elapsed time for the other units."""
    if unit != "working_days":
        return old + (resumed - stopped), False
    stood, flagged = days.between(stopped.astimezone(SHANGHAI).date(), resumed.astimezone(SHANGHAI).date())
    old_day = old.astimezone(SHANGHAI).date()
    day, walked = days.after(old_day, stood)
    return end_of(day), flagged or walked


# --- the machine -------------------------------------------------------------------------------------

ITEMS = {
    # code: (channels, unit, amount): catalogue items, and items of the other units made per example.
    "residence_certificate": (("online", "proxy"), "working_days", 3),
    "elderly_preferential_card": (("online", "proxy", "door"), "working_days", 10),
    "machine_hours": (("online", "proxy", "door"), "hours", 30),
    "machine_minutes": (("online", "proxy", "door"), "minutes", 90),
    "machine_days": (("online", "proxy", "door"), "calendar_days", 7),
}


def _made_item(actor, code: str, unit: str, amount: int) -> None:
    item_create(
        actor=actor,
        code=code,
        name="测试事项",
        department="社区",
        time_limit=amount,
        time_limit_unit=unit,
        channels=["online", "proxy", "door"],
        one_open_per_applicant=False,
        form=[{"name": "applicant", "label": "申请人", "type": "household_member", "required": True}],
        materials=[
            {"code": "id_card", "name": "身份证", "required": True},
            {"code": "housing_proof", "name": "房屋证明", "required": True},
            {"code": "hukou", "name": "户口簿", "required": False},
        ],
    )


class CaseMachine(RuleBasedStateMachine):
    # Set by the test function around the run.
    world = None
    user_of = None
    clock = None

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.users = {key: type(self).user_of(key) for key in (*ACTORS, "city_admin")}
        self.days = Days()
        self.case: Case | None = None

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- filing ---

    @initialize(
        item=st.sampled_from(sorted(ITEMS)),
        channel=st.sampled_from(["online", "proxy", "door"]),
        start=st.sampled_from(STARTS),
    )
    def file(self, item: str, channel: str, start: datetime) -> None:
        world = type(self).world
        self.clock.at = start
        channels, unit, amount = ITEMS[item]
        if item.startswith("machine_"):
            _made_item(self.users["city_admin"], item, unit, amount)
        if channel not in channels:
            channel = channels[-1]
        home = make_household(world.grid_a1, world.community_a, number="901")
        self.applicant = home.applicant
        form = {"applicant": self.applicant.pk}
        if item == "residence_certificate":
            form = residence_form(self.applicant)
        elif item == "elderly_preferential_card":
            form |= {"pickup": "社区领取"}
        filer = {"online": "resident", "proxy": "community_staff", "door": "grid_worker"}[channel]
        proxy = {"consent_method": "signature", "proxy_reason": "行动不便"} if channel == "proxy" else {}
        self.case = services.case_file(
            actor=self.users[filer],
            channel=channel,
            filing=services.Filing(item_code=item, applicant_id=self.applicant.pk, form=form),
            **proxy,
        )
        self.unit, self.amount, self.channel = unit, amount, channel
        self.materials = CARD_MATERIALS if item == "elderly_preferential_card" else MATERIALS
        self.state = CaseState.SUBMITTED
        self.resume_state = ""
        # A door-to-door case goes to the grid's worker (grid A1 has one).
        self.assigned: str | None = "grid_worker" if channel == "door" else None
        self.requests: list[tuple[datetime, set[str]]] = []  # (when, what) of each notice
        self.uploads: list[tuple[datetime, str]] = []  # (when, material) of each file
        self.stopped_at: datetime | None = None
        self.deadline, self.uncertain = first_deadline(self.days, self.case.submitted_at, amount, unit)
        self.check_case()

    # --- the oracle ---

    def allowed(self, key: str, action: Action, note: str, codes: list[str]) -> bool:
        """Whether the action must succeed, from the workflow's table and the rules of the issue."""
        transition = TRANSITIONS[action]
        if self.state not in transition.sources:
            return False
        holds = HOLDS[key]
        may = Who.STAFF in transition.who and transition.capability in holds
        if Who.APPLICANT in transition.who:
            # The applicant; or staff of the area acting for a resident whose case they filed for them.
            may = key == "resident" or (Capability.CASE_HANDLE in holds and self.channel != ChannelChoice.ONLINE)
        if not may:
            return False
        if transition.needs_note and not note.strip():
            return False
        if action is Action.REQUEST_MATERIALS:
            if not codes and not note.strip():
                return False
            if self.requests:
                last = self.requests[-1][0]
                changed = {m for at, m in self.uploads if at > last}
                if not codes or not set(codes) <= changed:
                    return False
        if action is Action.SUPPLY_MATERIALS and self.requests:
            last, wanted = self.requests[-1]
            if not wanted <= {m for at, m in self.uploads if at > last}:
                return False
        return True

    def snapshot(self) -> tuple:
        case = Case.objects.get(pk=self.case.pk)
        return (
            case.state,
            case.resume_state,
            case.deadline_at,
            case.deadline_uncertain,
            case.clock_stopped_at,
            case.assigned_to_id,
            AuditEvent.objects.count(),
            CaseEvent.objects.filter(case=case).count(),
            MaterialRequest.objects.filter(case=case).count(),
        )

    def audits_of(self, code: str) -> int:
        return AuditEvent.objects.filter(action=code, object_id=str(self.case.pk)).count()

    def check_case(self) -> None:
        case = Case.objects.get(pk=self.case.pk)
        assert case.state == self.state
        assert case.resume_state == self.resume_state
        assert (case.clock_stopped_at is not None) == (case.state in CLOCK_STOPPED_STATES)
        if self.unit == "working_days":
            assert case.deadline_at == self.deadline, (case.deadline_at, self.deadline)
        else:
            assert abs(case.deadline_at - self.deadline) < timedelta(seconds=1), (case.deadline_at, self.deadline)
        assert case.deadline_uncertain == self.uncertain
        assert (case.closed_at is not None) == (case.state in CLOSED)

    # --- rules ---

    @rule(
        key=st.sampled_from(ACTORS),
        action=st.sampled_from(list(Action)),
        note=st.sampled_from(["", "  ", "缺少房屋证明原件"]),
        picks=st.lists(st.integers(0, 2), max_size=3, unique=True),
    )
    def act(self, key: str, action: Action, note: str, picks: list[int]) -> None:
        self.try_action(key, action, note, [self.materials[i] for i in picks])

    @rule(data=st.data())
    def move_on(self, data: st.DataObject) -> None:
        """An action the state offers, by someone likely to be allowed it: the case moves further than
        with random actions alone."""
        # Not the closing ones (reject, withdraw): random actions close cases soon enough.
        offered = [t.action for t in TRANSITIONS.values() if self.state in t.sources and t.target not in CLOSED]
        if not offered:
            return
        action = data.draw(st.sampled_from(offered))
        key = data.draw(st.sampled_from(["resident", "grid_worker", "community_staff", "community_staff"]))
        picks = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True))
        self.try_action(key, action, "材料不全，请补充", [self.materials[i] for i in picks])

    @precondition(lambda self: self.state == CaseState.WAITING)
    @rule(data=st.data())
    def resident_answers(self, data: st.DataObject) -> None:
        """The resident adds the files the notice asks for (or most of them) and says so."""
        wanted = sorted(self.requests[-1][1])
        given = data.draw(st.sampled_from([wanted, wanted[:-1]]))
        for material in given:
            self.attach_as("resident", material)
        self.try_action("resident", Action.SUPPLY_MATERIALS, "", [])

    def try_action(self, key: str, action: Action, note: str, codes: list[str]) -> None:
        before = self.snapshot()
        case_before = Case.objects.get(pk=self.case.pk)
        expected = self.allowed(key, action, note, codes)
        note_event(f"{action.value} {'done' if expected else 'refused'}")
        events = self.audits_of(f"casework.{action.value}")
        try:
            services.case_act(
                actor=self.users[key], case_id=self.case.pk, action=action.value, note=note, materials=codes
            )
        except Http404:
            assert key == "community_staff_b", "a 404 for someone who may see the case"
            assert not expected
            assert self.snapshot() == before
            return
        except ValidationError as exc:
            assert not expected, f"refused: {exc.messages}"
            assert exc.messages and all(m.strip() for m in exc.messages)
            assert self.snapshot() == before, "a refused action changed something"
            return
        assert expected, f"{key} could {action.value} a {self.state} case"
        case = Case.objects.get(pk=self.case.pk)
        # One audit event of this action and one case event of it, both new.
        assert self.audits_of(f"casework.{action.value}") == events + 1
        assert AuditEvent.objects.count() == before[6] + 1
        new_events = CaseEvent.objects.filter(case=case).order_by("-id")
        assert new_events.count() == before[7] + 1
        event = new_events[0]
        assert (event.action, event.from_state, event.to_state) == (action.value, self.state, case.state)
        assert event.actor_id == self.users[key].pk
        now = event.at
        if action is Action.REQUEST_MATERIALS:
            self.requests.append((case.clock_stopped_at, set(codes)))
            self.resume_state = self.state
            self.state = CaseState.WAITING
            self.stopped_at = case.clock_stopped_at
            assert self.stopped_at is not None and self.stopped_at <= now
        elif action is Action.SUPPLY_MATERIALS:
            self.state, self.resume_state = self.resume_state or CaseState.ACCEPTED, ""
            self.deadline, flagged = moved_deadline(self.days, self.deadline, self.stopped_at, now, self.unit)
            self.uncertain = self.uncertain or flagged
            self.stopped_at = None
        else:
            self.state = TRANSITIONS[action].target
            if case_before.state in CLOCK_STOPPED_STATES:
                self.resume_state = ""  # left waiting by a decision (reject, withdraw)
                self.stopped_at = None
        if case.state in CLOSED:
            # A closed case's unanswered notice is moot.
            self.resume_state = case.resume_state
        self.check_case()

    @rule(key=st.sampled_from(ACTORS))
    def take(self, key: str) -> None:
        before = self.snapshot()
        try:
            services.case_take(actor=self.users[key], case_id=self.case.pk)
        except Http404:
            assert Capability.CASE_HANDLE not in HOLDS[key]
            assert self.snapshot() == before
            return
        except services.CaseTaken as exc:
            assert self.assigned not in (None, key)
            assert self.users[self.assigned].display_name in " ".join(exc.messages)
            assert self.snapshot() == before
            return
        except ValidationError:
            assert self.state in CLOSED
            assert self.snapshot() == before
            return
        assert Capability.CASE_HANDLE in HOLDS[key] and self.state not in CLOSED
        assert self.assigned in (None, key)
        if self.assigned is None:
            assert AuditEvent.objects.count() == before[6] + 1
            assert self.audits_of("casework.take") >= 1
        else:
            assert self.snapshot() == before  # taking one's own case again changes nothing
        self.assigned = key
        assert Case.objects.get(pk=self.case.pk).assigned_to_id == self.users[key].pk

    @rule(key=st.sampled_from(ACTORS), pick=st.integers(0, 2))
    def attach(self, key: str, pick: int) -> None:
        self.attach_as(key, self.materials[pick])

    def attach_as(self, key: str, material: str) -> None:
        before = self.snapshot()
        try:
            attachment = services.case_attach(
                actor=self.users[key], case_id=self.case.pk, material=material, upload=upload(PNG), filename="a.png"
            )
        except Http404:
            assert key == "community_staff_b"
            assert self.snapshot() == before
            return
        except ValidationError:
            assert self.state in CLOSED
            assert self.snapshot() == before
            return
        assert key != "community_staff_b" and self.state not in CLOSED
        assert AuditEvent.objects.count() == before[6] + 1
        self.uploads.append((attachment.uploaded_at, material))
        self.check_case()

    @rule(hours=st.sampled_from([1, 5, 20, 49, 24 * 3, 24 * 8]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))


def test_the_workflow_as_a_state_machine(world, user_of, clock, case_files):
    CaseMachine.world, CaseMachine.user_of, CaseMachine.clock = world, user_of, clock
    run_state_machine_as_test(
        CaseMachine,
        settings=hsettings(
            max_examples=int(os.environ.get("SHEQU_MACHINE_EXAMPLES", "30")),  # more for a deeper run
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            database=None,
            # SHEQU_MACHINE_NO_SHRINK=1: report the first failing run as found (shrinking takes minutes).
            phases=[Phase.explicit, Phase.reuse, Phase.generate]
            if os.environ.get("SHEQU_MACHINE_NO_SHRINK")
            else list(Phase),
        ),
    )


def test_a_transition_and_its_audit_event_are_one_transaction(world, user_of, clock, case_files, monkeypatch):
    """When the audit event cannot be written, the transition does not happen either."""
    home = make_household(world.grid_a1, world.community_a, number="902")
    case = services.case_file(
        actor=user_of("resident"),
        channel="online",
        filing=services.Filing(
            item_code="residence_certificate", applicant_id=home.applicant.pk, form=residence_form(home.applicant)
        ),
    )

    def broken(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(services, "record_event", broken)
    with pytest.raises(RuntimeError):
        services.case_act(actor=user_of("community_staff"), case_id=case.pk, action="accept")
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    assert not CaseEvent.objects.filter(case=case, action="accept").exists()
