"""The workbench (工作台): what the signed-in person's roles have to do today, gathered from the apps'
own scoped selectors (the web app sits on top of the layers)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.accounts.selectors import pending_grant_requests
from shequ.audit import selectors as audit_selectors
from shequ.imports.models import ImportJob
from shequ.imports.selectors import import_jobs
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import has_capability
from shequ.programmes.common import selectors as programme_selectors
from shequ.residents import selectors as resident_selectors

RECENT_IMPORTS = datetime.timedelta(days=14)  # a rejected or failed import asks for a fix this long
IMPORTS_SHOWN = 5


@dataclass(frozen=True)
class Shortcut:
    label: str
    url: str


@dataclass
class Desk:
    registry: resident_selectors.Workbench | None = None
    imports: list[ImportJob] = field(default_factory=list)
    imports_count: int = 0
    open_alerts: int | None = None
    events_today: int | None = None
    grant_requests: int | None = None
    # Care visits (programmes): the worker's own, due by today, and those overdue in their reach.
    visits_due: int | None = None
    visits_overdue: int | None = None
    shortcuts: list[Shortcut] = field(default_factory=list)


def _imports_waiting(actor: User) -> tuple[list[ImportJob], int]:
    """Imports still running, and those rejected or failed lately (they wait for a corrected file)."""
    running = [ImportJob.Status.PENDING, ImportJob.Status.CHECKING, ImportJob.Status.WRITING]
    stuck = [ImportJob.Status.REJECTED, ImportJob.Status.FAILED]
    since = timezone.now() - RECENT_IMPORTS
    jobs = import_jobs(actor=actor).filter(Q(status__in=running) | Q(status__in=stuck, created_at__gte=since))
    return list(jobs.order_by("-created_at", "-pk")[:IMPORTS_SHOWN]), jobs.count()


def _shortcuts(actor: User) -> list[Shortcut]:
    offered = [
        (Capability.REGISTRY_READ, _("Find a resident"), reverse("residents:residents")),
        (Capability.REGISTRY_EDIT, _("Register a resident"), reverse("residents:resident_new")),
        (Capability.REGISTRY_EDIT, _("Import a roster"), reverse("imports:upload", args=["residents"])),
        (Capability.REGISTRY_EDIT, _("Move requests"), reverse("residents:moves")),
        (Capability.REGISTRY_READ, _("Digitisation rate"), reverse("residents:digitisation")),
        (Capability.AREA_READ, _("Areas and grids"), reverse("areas:browse")),
        (Capability.AREA_READ, _("Facilities"), reverse("resources:facilities")),
        (Capability.AUDIT_READ, _("Audit trail"), reverse("audit:events")),
        (Capability.ACCOUNTS_MANAGE, _("Accounts"), reverse("accounts:manage")),
    ]
    return [Shortcut(label, url) for capability, label, url in offered if has_capability(actor, capability)]


def desk(actor: User) -> Desk:
    """Each part only for a role that holds its capability: a resident sees none of the counts."""
    found = Desk(shortcuts=_shortcuts(actor))
    if has_capability(actor, Capability.REGISTRY_READ):
        found.registry = resident_selectors.workbench(actor=actor)
    if has_capability(actor, Capability.REGISTRY_EDIT):
        found.imports, found.imports_count = _imports_waiting(actor)
    if has_capability(actor, Capability.AUDIT_READ):
        found.open_alerts = audit_selectors.alerts(actor=actor).filter(acknowledged_at__isnull=True).count()
        found.events_today = audit_selectors.audit_events(actor=actor, since=timezone.localdate()).count()
    if has_capability(actor, Capability.ACCOUNTS_MANAGE):
        found.grant_requests = pending_grant_requests(actor=actor).count()
    if has_capability(actor, Capability.PROGRAMME_READ):
        today = timezone.localdate()
        found.visits_due = programme_selectors.my_visits(actor=actor).filter(due_on__lte=today).count()
        found.visits_overdue = programme_selectors.overdue_visits(actor=actor, on=today).count()
    return found
