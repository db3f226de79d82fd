"""The resident population pool (常住人口信息池): addresses, households, people, their history and tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import AreaScopedModel
from shequ.lib.capabilities import Capability
from shequ.lib.masking import mask_id_number, mask_phone
from shequ.lib.scoping import ScopedQuerySet, paths_filter
from shequ.privacy.fields import BlindIndexField, EncryptedTextField, RowKeyField
from shequ.reference.models import TagType

from .search import TAIL_PURPOSE, PhoneTailIndexField


class Address(AreaScopedModel):
    """A dwelling down to building / unit / room (楼栋、单元、室), in a community and, where known, a grid."""

    street_address = models.CharField(_("street address or estate"), max_length=120, db_index=True)
    building = models.CharField(_("building"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "street_address", "building", "unit", "room"], name="address_unique_in_area"
            ),
        ]

    def __str__(self) -> str:
        return f"address #{self.pk}"

    @property
    def label(self) -> str:
        parts = [self.street_address]
        if self.building:
            parts.append(f"{self.building}栋")
        if self.unit:
            parts.append(f"{self.unit}单元")
        if self.room:
            parts.append(f"{self.room}室")
        return "".join(parts)


class Household(AreaScopedModel):
    """A household (户): the people registered together, one of them the head."""

    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="households", verbose_name=_("address"))
    number = models.CharField(_("household number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            # A household number names one household in its community; a household without a number is
            # the one of its address (how rosters without numbers are read).
            models.UniqueConstraint(
                fields=["area", "number"], condition=~models.Q(number=""), name="household_number_unique_in_area"
            ),
            models.UniqueConstraint(
                fields=["area", "address"], condition=models.Q(number=""), name="household_unnumbered_per_address"
            ),
        ]
        # The lookups of an import: by number in a community, and the unnumbered household of an address.
        # (Plain indexes: SQLite uses a partial index only for queries that repeat its condition verbatim.)
        indexes = [
            models.Index(fields=["area", "number"], name="household_number"),
            models.Index(fields=["address", "number"], name="household_address"),
        ]

    def __str__(self) -> str:
        return f"household #{self.pk}"


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    PERMANENT = "permanent", _("Permanent, registered elsewhere (常住)")
    FLOATING = "floating", _("Floating (流动)")
    LODGING = "lodging", _("Lodging (寄住)")


class Relation(models.TextChoices):
    """Relation to the head of the household (与户主关系)."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Father or mother")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Brother or sister")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Person(AreaScopedModel):
    """A resident in the population pool (常住人口信息池).

    Sex and birth date come from the identity number. Identity number and phone are encrypted and
    blind-indexed; one identity number belongs to one person in the whole pool.
    """

    name = models.CharField(_("full name"), max_length=50, db_index=True)
    row_key = RowKeyField()  # bound into the encrypted values: a value moved to another row does not decrypt
    id_number = EncryptedTextField(_("identity number"), mask=mask_id_number)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    phone = EncryptedTextField(_("mobile number"), mask=mask_phone)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    phone_tail_index = PhoneTailIndexField(source="phone", purpose=TAIL_PURPOSE)  # counter staff's last four digits
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), db_index=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    residence_type = models.CharField(_("residence type"), max_length=16, choices=ResidenceType.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("household")
    )
    relation = models.CharField(_("relation to the head"), max_length=16, choices=Relation.choices, blank=True)
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="residents", verbose_name=_("address")
    )
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    left_on = models.DateField(_("moved out or died on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            # Every resident has an identity number (the roster requires it): one person per number.
            models.UniqueConstraint(fields=["id_number_index"], name="person_one_identity_number"),
            # One head per household among the people living in it (services keep it; this catches the rest).
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relation=Relation.HEAD, status="active"),
                name="household_one_head",
            ),
        ]
        indexes = [
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(fields=["phone_tail_index"], name="person_phone_tail_index"),
            models.Index(fields=["status"], name="person_status"),
        ]

    def __str__(self) -> str:
        return f"person #{self.pk}"


class PersonChange(models.Model):
    """The history of a resident: moves in and out, deaths and corrections, with what changed.

    ``changes`` names the fields that changed; values of personal fields are never kept here.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        UPDATED = "updated", _("Updated")
        MOVED_IN = "moved_in", _("Moved in")
        MOVED_OUT = "moved_out", _("Moved out")
        MOVED_WITHIN = "moved_within", _("Moved within the city")
        DIED = "died", _("Died")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("date"))
    from_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident history entry")
        verbose_name_plural = _("resident history")
        ordering = ["person", "at"]

    def __str__(self) -> str:
        return f"change #{self.pk} {self.kind}"


class PersonTag(models.Model):
    """One recorded tag of a resident, with where it came from and how long it holds."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.ForeignKey(TagType, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident tag")
        verbose_name_plural = _("resident tags")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="persontag_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"tag #{self.pk}"


class MoveRequestQuerySet(ScopedQuerySet["MoveRequest"]):
    default_capability = Capability.REGISTRY_EDIT

    def scope_filter(self, paths: list[str]) -> models.Q:
        # Both communities work on a move: the one asking and the one the person lives in.
        return paths_filter("to_area__path", paths) | paths_filter("from_area__path", paths)


class MoveRequest(models.Model):
    """A community asks to register a person who lives in another community (迁入申请): the other
    community confirms (the person moves, with their history) or refuses. Filed by an import or a
    registration whose identity number and name match a person registered elsewhere; the asking side
    learns nothing about the person until the move is confirmed."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the other community")
        CONFIRMED = "confirmed", _("Confirmed: moved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    area_path_lookup = "to_area__path"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="move_requests")
    from_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("from community")
    )
    to_area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("to community")
    )
    # Where the person is to live in the new community (address, household, grid, relation, residence type):
    # the asking side's data, nothing of the person's present record.
    destination = models.JSONField(_("new address and household"), default=dict)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = MoveRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("move request")
        verbose_name_plural = _("move requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per person and asking community: a second upload of the roster repeats it.
            models.UniqueConstraint(
                fields=["person", "to_area"], condition=models.Q(state="pending"), name="moverequest_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"move request #{self.pk} {self.state}"
