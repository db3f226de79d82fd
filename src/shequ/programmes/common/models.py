"""The programme core (OpenSPP's registry–programme–entitlement shape): a programme, who may join it
(eligibility rules), what it gives (benefits and the groups each goes to), who joined (enrolments with
their history), the visits it schedules and its periodic review.

Rules, benefits and visit rules are reference data an administrator edits: dated, and per area (a rule
of a district overrides nothing; it simply applies there as well as the city's).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.accounts.roles import Programme as Domain
from shequ.areas.models import Area
from shequ.privacy.fields import EncryptedTextField, RowKeyField


class Programme(models.Model):
    """One programme: home care, care visits, children in difficulty… Its ``domain`` is the programme a
    programme officer's grant names (``accounts.roles.Programme``): that officer runs every programme of
    the domain. ``restricted`` programmes keep their care records (assessments, visits, the carer's notes)
    to the person's carer, the domain's officers and the street's officers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    description = models.TextField(_("description"), blank=True)
    # Households join (age-friendly retrofits) or people do (home care, care visits).
    per_household = models.BooleanField(_("households enrol"), default=False)
    restricted = models.BooleanField(_("care records restricted"), default=False)
    # Every enrolment is reviewed this often (0: never).
    review_months = models.PositiveSmallIntegerField(_("review every (months)"), default=12)
    # A visit still not made this many days after it was due is escalated to the head of the community.
    visit_grace_days = models.PositiveSmallIntegerField(_("escalate a visit after (days overdue)"), default=3)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["domain", "code"]

    def __str__(self) -> str:
        return self.code


class Criteria(models.Model):
    """Who a rule is about: age (in full years on the day), recorded tags (any of them), a disability
    grade, living alone; where (an area's subtree, or everywhere) and when (valid from, to)."""

    min_age = models.PositiveSmallIntegerField(_("aged at least"), null=True, blank=True)
    # Younger than this (a child is younger than 18: below_age 18).
    below_age = models.PositiveSmallIntegerField(_("younger than"), null=True, blank=True)
    # Codes of reference.TagType: the person holds at least one, valid on the day (empty: no condition).
    tags = models.JSONField(_("holds one of the tags"), default=list, blank=True)
    # Grades of the disability tag that count (“1”…“4”; empty: any grade, when "disability" is in tags).
    disability_grades = models.JSONField(_("disability grades"), default=list, blank=True)
    living_alone = models.BooleanField(_("lives alone"), null=True, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("applies in")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        abstract = True


class EligibilityRule(Criteria):
    """A group of people who may join a programme (any one rule in force suffices)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("group"), max_length=100)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["programme", "valid_from", "pk"]

    def __str__(self) -> str:
        return f"rule #{self.pk}"


class Benefit(models.Model):
    """A service or benefit a programme gives (an item of the basic elderly-care service list, the monthly
    home-care hours…); ``BenefitRule`` says which groups get how much."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="benefits")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=50, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)  # "小时/月", "元/月", "" for a service
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["programme", "ordering", "code"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="benefit_unique")]

    def __str__(self) -> str:
        return self.code


class BenefitRule(Criteria):
    """One target group of a benefit and what it gets. Where several groups of one benefit include a
    person, the largest amount applies (each group is shown as a reason)."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(_("group"), max_length=100)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, null=True, blank=True)
    provides = models.CharField(_("what the group gets"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("benefit rule")
        verbose_name_plural = _("benefit rules")
        ordering = ["benefit", "valid_from", "pk"]

    def __str__(self) -> str:
        return f"benefit rule #{self.pk}"


class VisitRule(Criteria):
    """How often an enrolled person is visited, by risk (80+ living alone: every 7 days). Where several
    rules include a person, the shortest interval applies."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="visit_rules")
    name = models.CharField(_("group"), max_length=100)
    interval_days = models.PositiveSmallIntegerField(_("visit every (days)"))

    class Meta:
        verbose_name = _("visit rule")
        verbose_name_plural = _("visit rules")
        ordering = ["programme", "interval_days", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(interval_days__gt=0), name="visitrule_interval_positive")
        ]

    def __str__(self) -> str:
        return f"visit rule #{self.pk}"


class EnrolmentState(models.TextChoices):
    ACTIVE = "active", _("Enrolled")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class Enrolment(models.Model):
    """A person (or household) in a programme, from the day they joined to the day they left. Filed in
    the area the person lived in when they joined (their grid where known, else their community); a move
    ends it there and the new community enrols them again. Scoped by the programme's own rules
    (``access``), never by area alone."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    state = models.CharField(_("state"), max_length=16, choices=EnrolmentState.choices, default=EnrolmentState.ACTIVE)
    started_on = models.DateField(_("enrolled on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    review_due_on = models.DateField(_("review due"), null=True, blank=True)
    # The named carer (儿童主任 of a child in difficulty) or worker who follows the person.
    carer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The provider contracted to serve the person in this programme (home care, a family care bed): the
    # one an emergency call also reaches.
    provider = models.ForeignKey(
        "entities.LegalEntity", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why they were eligible on the day they joined (the rules' groups), kept with the decision.
    reasons = models.JSONField(_("eligible as"), default=list, blank=True)
    # The application (a case) that led to the enrolment, if any.
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=~models.Q(state="ended"),
                name="enrolment_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["programme", "state"], name="enrolment_programme_state")]

    def __str__(self) -> str:
        return f"enrolment #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.area


class EnrolmentEvent(models.Model):
    """One step of an enrolment's history: enrolled, suspended, resumed, reviewed, carer changed, ended."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=16, choices=EnrolmentState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=EnrolmentState.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("enrolment event")
        verbose_name_plural = _("enrolment history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"enrolment event #{self.pk} {self.action}"


class VisitOutcome(models.TextChoices):
    MET = "met", _("Met the person")
    NOT_HOME = "not_home", _("Not at home")
    IN_HOSPITAL = "in_hospital", _("In hospital")
    MOVED = "moved", _("Moved away")
    NEEDS_HELP = "needs_help", _("Needs help (follow-up)")


class Visit(models.Model):
    """One scheduled visit (关怀访视) of an enrolled person: due on a day, assigned to one worker (the
    grid's worker, or the person's carer), recorded from the phone with the place it was recorded at.
    The note is encrypted (what a carer writes about a child or an elder's health)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="visits")
    due_on = models.DateField(_("due on"), db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=VisitOutcome.choices, blank=True)
    row_key = RowKeyField()
    note = EncryptedTextField(_("note"))
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["due_on", "pk"]
        constraints = [
            # One visit waits at a time per enrolment: the next is scheduled when this one is recorded.
            models.UniqueConstraint(
                fields=["enrolment"], condition=models.Q(done_at__isnull=True), name="visit_one_open_per_enrolment"
            ),
        ]
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_on"], name="visit_worklist")]

    def __str__(self) -> str:
        return f"visit #{self.pk}"

    @property
    def audit_area(self) -> Area:
        return self.enrolment.area


class ProviderAccount(models.Model):
    """A service provider's staff account belongs to the provider's legal entity: what the account sees
    (orders, beds, calls) is what was sent to that entity, never more. One entity per account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_account")
    entity = models.ForeignKey("entities.LegalEntity", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("linked"), auto_now_add=True)

    class Meta:
        verbose_name = _("provider account")
        verbose_name_plural = _("provider accounts")

    def __str__(self) -> str:
        return f"provider account #{self.pk}"
