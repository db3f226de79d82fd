"""One-network handling of community services (一网通办): the service catalogue, cases and their
workflow, materials, attachments, ratings, and the API keys of outside (Open311) clients.

A case is the one workflow every domain attaches to: a domain registers a case kind
(``casework.kinds``) and opens cases through ``casework.services``; it never copies the workflow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import ScopedQuerySet
from shequ.lib.workdays import LimitUnit
from shequ.privacy.fields import EncryptedTextField, RowKeyField


class LimitUnitChoice(models.TextChoices):
    WORKING_DAYS = LimitUnit.WORKING_DAYS.value, _("working days")
    CALENDAR_DAYS = LimitUnit.CALENDAR_DAYS.value, _("calendar days")
    HOURS = LimitUnit.HOURS.value, _("hours")
    MINUTES = LimitUnit.MINUTES.value, _("minutes")


class ChannelChoice(models.TextChoices):
    """The three channels of R8, and Open311 (R10): place requests an outside system files with an API key
    (never an item's offered channel: every item that concerns a place is offered through it)."""

    ONLINE = "online", _("Online (线上办)")
    PROXY = "proxy", _("Community proxy (社区代办)")
    DOOR = "door", _("Door to door (网格内上门办)")
    OPEN311 = "open311", _("Open311 (outside system)")


# The channels an item offers (``ServiceItem.channels``): Open311 is not one of them, it offers every item
# that concerns a place.
ITEM_CHANNELS = (ChannelChoice.ONLINE, ChannelChoice.PROXY, ChannelChoice.DOOR)


class ServiceItem(models.Model):
    """A community service item of the catalogue (社区便民服务事项): reference data a city administrator
    edits. Every edit makes a new ``ServiceItemVersion``; a case keeps the version it was filed under.

    ``form`` is a list of fields: ``{"name", "label", "type", "required", "choices"}`` with ``type`` one
    of text, number, date, choice, file, household_member. ``materials`` is a list of
    ``{"code", "name", "required"}``. ``channels`` lists the channels offered.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    department = models.CharField(_("department"), max_length=80)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    description = models.TextField(_("description"), blank=True)
    materials = models.JSONField(_("materials required"), default=list, blank=True)
    form = models.JSONField(_("form"), default=list, blank=True)
    time_limit = models.PositiveIntegerField(_("time limit"))
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=16, choices=LimitUnitChoice.choices, default=LimitUnitChoice.WORKING_DAYS
    )
    channels = models.JSONField(_("channels offered"), default=list)
    # One open case per applicant (one 居住证明 at a time) or many (home-care orders).
    one_open_per_applicant = models.BooleanField(_("one open case per applicant"), default=True)
    # About a place (a broken street light), not a person: offered through Open311, no applicant needed.
    concerns_place = models.BooleanField(_("concerns a place, not a person"), default=False)
    open311_group = models.CharField(_("Open311 group"), max_length=40, blank=True)
    kind = models.CharField(_("case kind"), max_length=40, default="service")
    is_active = models.BooleanField(_("offered"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_limit__gt=0), name="service_item_time_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class ServiceItemVersion(models.Model):
    """What an item said (name, form, materials, time limit, channels) at one version: a case is judged
    by the version it was filed under, whatever the administrator changes later."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service item version")
        verbose_name_plural = _("service item versions")
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="service_item_version_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}"


class CaseState(models.TextChoices):
    """The states of R9 (``casework.workflow`` says which transitions lead between them)."""

    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    WAITING = "waiting", _("Waiting for materials")
    IN_PROGRESS = "in_progress", _("In progress")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATES = frozenset({CaseState.REJECTED, CaseState.COMPLETED, CaseState.WITHDRAWN})
OPEN_STATES = frozenset(set(CaseState) - CLOSED_STATES)


class CaseQuerySet(ScopedQuerySet["Case"]):
    default_capability = Capability.CASE_READ

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)


class Case(models.Model):
    """One application, request or task, from submission to its end.

    Filed in the area of the applicant's address (their grid where known, else their community), or of
    the place a place request concerns. The form's values are encrypted (they may say anything about a
    person's health, income or family).
    """

    area_path_lookup = "area__path"

    number = models.CharField(_("case number"), max_length=24, unique=True)
    kind = models.CharField(_("case kind"), max_length=40, db_index=True)
    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("item")
    )
    item_version = models.ForeignKey(
        ServiceItemVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    channel = models.CharField(_("channel"), max_length=8, choices=ChannelChoice.choices)
    state = models.CharField(_("state"), max_length=16, choices=CaseState.choices, default=CaseState.SUBMITTED)
    # The state a case returns to when the resident supplies the missing materials.
    resume_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)

    applicant = models.ForeignKey(
        "residents.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applicant"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A case opened from another (a follow-up of a low rating; a programme's order opened from an
    # application).
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    row_key = RowKeyField()
    form_data = EncryptedTextField(_("form"))  # JSON of the form's values
    description = models.TextField(_("description"), blank=True)
    # Community proxy (社区代办): how the resident consented, and why they could not file themselves.
    consent_method = models.CharField(_("consent given by"), max_length=16, blank=True)
    consent_note = models.CharField(_("consent note"), max_length=200, blank=True)
    proxy_reason = models.CharField(_("reason for filing on the resident's behalf"), max_length=200, blank=True)

    # A place request (Open311): where, in WGS-84, and the address as the reporter gave it.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address_text = models.CharField(_("address"), max_length=200, blank=True)
    api_key = models.ForeignKey("ApiKey", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("submitted"), db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    time_limit = models.PositiveIntegerField(_("time limit"))
    time_limit_unit = models.CharField(_("time limit unit"), max_length=16, choices=LimitUnitChoice.choices)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    # The deadline was counted into a year whose holiday arrangement is not official yet.
    deadline_uncertain = models.BooleanField(_("deadline not certain"), default=False)
    clock_stopped_at = models.DateTimeField(_("clock stopped"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["state", "deadline_at"], name="case_state_deadline"),
            models.Index(fields=["area", "state", "deadline_at"], name="case_area_state_deadline"),
            models.Index(fields=["applicant", "item", "state"], name="case_applicant_item"),
            # The queue's order: a broad area's first page is read in index order, never sorted whole.
            models.Index(fields=["deadline_at", "id"], name="case_queue_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(time_limit__gt=0), name="case_time_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def audit_area(self) -> Area:
        return self.area

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseEvent(models.Model):
    """One step of a case's timeline: a transition, a request for materials, a visit, a note. The audit
    trail records the same step; this is the case's own readable history, shown to the resident where
    ``public`` (internal notes are not)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=CaseState.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("shown to the resident"), default=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"case event #{self.pk} {self.action}"


class MaterialRequest(models.Model):
    """A one-time notice of missing materials (一次性告知): everything missing, listed at once. A second
    request may name only what the resident changed after the first."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="material_requests")
    materials = models.JSONField(_("missing materials"))  # list of {"code", "name"}
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice of missing materials")
        verbose_name_plural = _("notices of missing materials")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"material request #{self.pk}"


class Attachment(models.Model):
    """A file given with a case (a material, a photo of a visit): type checked by content, stored sealed
    (encrypted) outside the static root, served only to those who may see the case, every download
    audited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    material = models.CharField(_("material"), max_length=40, blank=True)
    filename = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)  # the sealed file's name under the storage root
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    # Given after a request for materials: the resident changed this material since.
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"attachment #{self.pk}"


class RatingLevel(models.IntegerChoices):
    """The five levels of the national government-service rating (政务服务好差评)."""

    VERY_SATISFIED = 5, _("Very satisfied (非常满意)")
    SATISFIED = 4, _("Satisfied (满意)")
    NEUTRAL = 3, _("Neutral (基本满意)")
    DISSATISFIED = 2, _("Dissatisfied (不满意)")
    VERY_DISSATISFIED = 1, _("Very dissatisfied (非常不满意)")


class Rating(models.Model):
    """The applicant's rating of a closed case (好差评), one per case. The two lowest need a reason and
    open a follow-up case for the head of the community."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    level = models.PositiveSmallIntegerField(_("rating"), choices=RatingLevel.choices)
    reason = models.TextField(_("reason"), blank=True)
    rated_at = models.DateTimeField(_("rated"))
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="rating_level_range"),
        ]

    def __str__(self) -> str:
        return f"rating #{self.pk} {self.level}"


class ApiKeyQuerySet(ScopedQuerySet["ApiKey"]):
    default_capability = Capability.API_KEYS_MANAGE


class ApiKey(models.Model):
    """A key an outside system (an Open311 client) files and reads place requests with, limited to the
    areas it names. Only a hash of the key is stored; the key is shown once, when issued."""

    area_path_lookup = "areas__path"

    name = models.CharField(_("client name"), max_length=80)
    prefix = models.CharField(_("key prefix"), max_length=12, unique=True)  # shown in lists, to tell keys apart
    key_hash = models.CharField(max_length=64, unique=True)
    areas = models.ManyToManyField(Area, related_name="+", verbose_name=_("areas"))
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"api key {self.prefix}"
