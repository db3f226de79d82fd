"""The base databases (基础数据库): residents, households and addresses; facilities; legal entities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.scoping import AreaScopedQuerySet
from shequ.lib.masking import mask_id_number, mask_phone
from shequ.privacy.fields import BlindIndexField, EncryptedTextField


class Address(models.Model):
    """A dwelling down to building / unit / room (楼栋、单元、室), in a community and, where known, a grid."""

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    street_address = models.CharField(_("street address or estate"), max_length=120, db_index=True)
    building = models.CharField(_("building"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)

    objects = AreaScopedQuerySet.as_manager()

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
    def audit_area(self):
        return self.area

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


class Household(models.Model):
    """A household (户): the people registered together, one of them the head."""

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="households", verbose_name=_("address"))
    number = models.CharField(_("household number"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"household #{self.pk}"

    @property
    def audit_area(self):
        return self.area


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


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Person(models.Model):
    """A resident in the population pool (常住人口信息池).

    Sex and birth date come from the identity number. Identity number and phone are encrypted and
    blind-indexed; one identity number belongs to one person in the whole pool.
    """

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("full name"), max_length=50, db_index=True)
    id_number = EncryptedTextField(_("identity number"), mask=mask_id_number)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    phone = EncryptedTextField(_("mobile number"), mask=mask_phone)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))])
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
    status = models.CharField(
        _("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.ACTIVE, db_index=True
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    left_on = models.DateField(_("moved out or died on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~models.Q(id_number_index=""), name="person_one_identity_number"
            ),
        ]

    def __str__(self) -> str:
        return f"person #{self.pk}"

    @property
    def audit_area(self):
        return self.area


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


class TagType(models.Model):
    """A special-group tag that is recorded, not computed: disability, 低保, left-behind child…

    Reference data an administrator edits. Tags that follow from data (60+, 80+, living alone,
    minor) are never stored: selectors compute them.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    has_grade = models.BooleanField(_("has a grade"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tag type")
        verbose_name_plural = _("tag types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


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


class FacilityType(models.Model):
    """A type of facility of the living circle (GB 50180-2018 Appendix B, MOFCOM 2021 guide).

    Loaded from the bundled catalogue; a city administrator edits it.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    circle_level = models.CharField(_("living-circle level"), max_length=10, blank=True)
    required = models.BooleanField(_("required"), default=False)
    service_radius_m = models.PositiveIntegerField(_("service radius (m)"), null=True, blank=True)
    mofcom_tier = models.CharField(_("MOFCOM tier"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("facility type")
        verbose_name_plural = _("facility types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class LegalEntity(models.Model):
    """A company, social organisation, property-management company or O2O store (法人)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        PROPERTY_MANAGEMENT = "property", _("Property-management company")
        O2O_STORE = "o2o", _("E-commerce O2O store")
        PUBLIC_INSTITUTION = "institution", _("Public institution")

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    name = models.CharField(_("name"), max_length=150, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return f"entity #{self.pk}"

    @property
    def audit_area(self):
        return self.area


class Facility(models.Model):
    """A facility or service point in the resource pool (社区资源信息池)."""

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    type = models.ForeignKey(FacilityType, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("type"))
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    floor_area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=1, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    operator = models.ForeignKey(
        LegalEntity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("operator"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="facility_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"facility #{self.pk}"

    @property
    def audit_area(self):
        return self.area


class ImportJob(models.Model):
    """One upload of a roster into one community: checked completely, then written completely or not
    at all. The file is kept so the job can run in the background and be rerun after a crash."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing")
        REJECTED = "rejected", _("Rejected: see the error report")
        DONE = "done", _("Imported")

    area_path_lookup = "area__path"

    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    report = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = AreaScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.CHECKING, self.Status.WRITING)

    @property
    def audit_area(self):
        return self.area
