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
    """Relation to the head of the household (与户主关系): the family relation codes of GB/T 4761-2008
    (家庭关系代码), stored as the code. A fixed national standard, so a code table here rather than
    reference data an administrator edits: the codes are exchanged with other systems as they are, and
    the labels are the standard's own Chinese names (what every roster and register uses)."""

    SELF = "01", "本人"
    HEAD = "02", "户主"
    SPOUSE = "10", "配偶"
    HUSBAND = "11", "夫"
    WIFE = "12", "妻"
    SON = "20", "子"
    ONLY_SON = "21", "独生子"
    ELDEST_SON = "22", "长子"
    SECOND_SON = "23", "次子"
    THIRD_SON = "24", "三子"
    FOURTH_SON = "25", "四子"
    FIFTH_SON = "26", "五子"
    ADOPTED_OR_STEP_SON = "27", "养子或继子"
    SON_IN_LAW = "28", "女婿"
    OTHER_SON = "29", "其他儿子"
    DAUGHTER = "30", "女"
    ONLY_DAUGHTER = "31", "独生女"
    ELDEST_DAUGHTER = "32", "长女"
    SECOND_DAUGHTER = "33", "次女"
    THIRD_DAUGHTER = "34", "三女"
    FOURTH_DAUGHTER = "35", "四女"
    FIFTH_DAUGHTER = "36", "五女"
    ADOPTED_OR_STEP_DAUGHTER = "37", "养女或继女"
    DAUGHTER_IN_LAW = "38", "儿媳"
    OTHER_DAUGHTER = "39", "其他女儿"
    GRANDCHILD = "40", "孙子、孙女或外孙子、外孙女"
    GRANDSON = "41", "孙子"
    GRANDDAUGHTER = "42", "孙女"
    DAUGHTERS_SON = "43", "外孙子"
    DAUGHTERS_DAUGHTER = "44", "外孙女"
    GRANDSONS_WIFE = "45", "孙媳妇或外孙媳妇"
    GRANDDAUGHTERS_HUSBAND = "46", "孙女婿或外孙女婿"
    GREAT_GRANDSON = "47", "曾孙子或外曾孙子"
    GREAT_GRANDDAUGHTER = "48", "曾孙女或外曾孙女"
    OTHER_GRANDCHILD = "49", "其他孙子、孙女或外孙子、外孙女"
    PARENT = "50", "父母"
    FATHER = "51", "父亲"
    MOTHER = "52", "母亲"
    HUSBANDS_FATHER = "53", "公公"
    HUSBANDS_MOTHER = "54", "婆婆"
    WIFES_FATHER = "55", "岳父"
    WIFES_MOTHER = "56", "岳母"
    STEP_OR_ADOPTIVE_FATHER = "57", "继父或养父"
    STEP_OR_ADOPTIVE_MOTHER = "58", "继母或养母"
    OTHER_PARENT = "59", "其他父母关系"
    GRANDPARENT = "60", "祖父母或外祖父母"
    GRANDFATHER = "61", "祖父"
    GRANDMOTHER = "62", "祖母"
    MATERNAL_GRANDFATHER = "63", "外祖父"
    MATERNAL_GRANDMOTHER = "64", "外祖母"
    SPOUSES_GRANDPARENT = "65", "配偶的祖父母或外祖父母"
    GREAT_GRANDFATHER = "66", "曾祖父"
    GREAT_GRANDMOTHER = "67", "曾祖母"
    SPOUSES_GREAT_GRANDPARENT = "68", "配偶的曾祖父母或外曾祖父母"
    OTHER_GRANDPARENT = "69", "其他祖父母或外祖父母关系"
    SIBLING = "70", "兄弟姐妹"
    ELDER_BROTHER = "71", "兄"
    ELDER_BROTHERS_WIFE = "72", "嫂"
    YOUNGER_BROTHER = "73", "弟"
    YOUNGER_BROTHERS_WIFE = "74", "弟媳"
    ELDER_SISTER = "75", "姐姐"
    ELDER_SISTERS_HUSBAND = "76", "姐夫"
    YOUNGER_SISTER = "77", "妹妹"
    YOUNGER_SISTERS_HUSBAND = "78", "妹夫"
    OTHER_SIBLING = "79", "其他兄弟姐妹"
    OTHER = "80", "其他"
    FATHERS_ELDER_BROTHER = "81", "伯父"
    FATHERS_ELDER_BROTHERS_WIFE = "82", "伯母"
    FATHERS_YOUNGER_BROTHER = "83", "叔父"
    FATHERS_YOUNGER_BROTHERS_WIFE = "84", "婶母"
    MOTHERS_BROTHER = "85", "舅父"
    MOTHERS_BROTHERS_WIFE = "86", "舅母"
    MOTHERS_SISTERS_HUSBAND = "87", "姨父"
    MOTHERS_SISTER = "88", "姨母"
    FATHERS_SISTERS_HUSBAND = "89", "姑父"
    FATHERS_SISTER = "90", "姑母"
    PATERNAL_COUSIN = "91", "堂兄弟、堂姐妹"
    COUSIN = "92", "表兄弟、表姐妹"
    BROTHERS_SON = "93", "侄子"
    BROTHERS_DAUGHTER = "94", "侄女"
    SISTERS_SON = "95", "外甥"
    SISTERS_DAUGHTER = "96", "外甥女"
    OTHER_RELATIVE = "97", "其他亲属"
    NON_RELATIVE = "99", "非亲属"


# 民族: GB/T 3304-1991 (中国各民族名称的罗马字母拼写法和代码), code and name; the person keeps the name.
# A fixed national standard, a code table here for the same reasons as ``Relation``.
ETHNICITIES = [
    ("01", "汉族"), ("02", "蒙古族"), ("03", "回族"), ("04", "藏族"), ("05", "维吾尔族"), ("06", "苗族"),
    ("07", "彝族"), ("08", "壮族"), ("09", "布依族"), ("10", "朝鲜族"), ("11", "满族"), ("12", "侗族"),
    ("13", "瑶族"), ("14", "白族"), ("15", "土家族"), ("16", "哈尼族"), ("17", "哈萨克族"), ("18", "傣族"),
    ("19", "黎族"), ("20", "傈僳族"), ("21", "佤族"), ("22", "畲族"), ("23", "高山族"), ("24", "拉祜族"),
    ("25", "水族"), ("26", "东乡族"), ("27", "纳西族"), ("28", "景颇族"), ("29", "柯尔克孜族"), ("30", "土族"),
    ("31", "达斡尔族"), ("32", "仫佬族"), ("33", "羌族"), ("34", "布朗族"), ("35", "撒拉族"), ("36", "毛南族"),
    ("37", "仡佬族"), ("38", "锡伯族"), ("39", "阿昌族"), ("40", "普米族"), ("41", "塔吉克族"), ("42", "怒族"),
    ("43", "乌孜别克族"), ("44", "俄罗斯族"), ("45", "鄂温克族"), ("46", "德昂族"), ("47", "保安族"),
    ("48", "裕固族"), ("49", "京族"), ("50", "塔塔尔族"), ("51", "独龙族"), ("52", "鄂伦春族"), ("53", "赫哲族"),
    ("54", "门巴族"), ("55", "珞巴族"), ("56", "基诺族"), ("97", "其他"), ("98", "外国血统中国籍人士"),
]  # fmt: skip


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
    ethnicity = models.CharField(
        _("ethnicity"), max_length=20, blank=True, choices=[(name, name) for _code, name in ETHNICITIES]
    )
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
