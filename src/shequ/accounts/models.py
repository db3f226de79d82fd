"""People who sign in, and the grants that say what they may do where."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, AnonymousUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequ.areas.models import Area
from shequ.lib.masking import mask_id_number, mask_phone
from shequ.lib.scoping import Actor, ScopedQuerySet
from shequ.privacy.fields import BlindIndexField, EncryptedTextField, RowKeyField

from . import access
from .roles import Capability, Programme, Role


class UserQuerySet(ScopedQuerySet["User"]):
    pass


class ShequUserManager(UserManager["User"]):
    """Django's user manager (``create_user``, name normalisation) over the scoped queryset."""

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, actor: Actor | AnonymousUser | None, capability: str | None = None) -> ScopedQuerySet[User]:
        return self.get_queryset().visible_to(actor, capability)


class User(AbstractUser):
    """An account. A resident's account lives in their community (``home_area``); staff accounts act
    through grants. Identity number and phone are encrypted, blind-indexed and masked."""

    area_path_lookup = "home_area__path"

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    row_key = RowKeyField()  # bound into the encrypted values: a value moved to another row does not decrypt
    id_number = EncryptedTextField(_("identity number"), mask=mask_id_number)
    id_number_index = BlindIndexField(source="id_number", purpose="id_number")
    phone = EncryptedTextField(_("mobile number"), mask=mask_phone)
    phone_index = BlindIndexField(source="phone", purpose="phone")
    home_area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home area"),
    )

    # Set when an administrator chose the password (a new account, a reset): the account changes it at
    # its next sign-in before anything else (``middleware.PasswordChangeRequiredMiddleware``).
    must_change_password = models.BooleanField(_("must change the password"), default=False)

    objects: ClassVar[ShequUserManager] = ShequUserManager()

    # The account's grants, read once per request by ``access`` (every scoped read asks); not a field.
    grants_cache: list[Grant] | None = None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            models.Index(fields=["id_number_index"], name="user_id_number_index"),
            models.Index(fields=["phone_index"], name="user_phone_index"),
        ]

    def __str__(self) -> str:
        return f"user #{self.pk}"

    def granted_paths(self, capability: str) -> list[str]:
        """Where this account holds ``capability`` (the ``lib.scoping.Actor`` protocol)."""
        return access.granted_paths(self, capability)

    @property
    def audit_area(self) -> Area | None:
        return self.home_area


class Grant(models.Model):
    """One role over one area's subtree (and, for a programme officer, one programme)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices, blank=True)
    # The head of the community (社区书记/主任) among its staff: low ratings open a follow-up for them.
    is_head = models.BooleanField(_("head of the community"), default=False)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area", "programme"], name="grant_unique"),
            models.CheckConstraint(
                condition=(models.Q(role=Role.PROGRAMME_OFFICER) & ~models.Q(programme=""))
                | (~models.Q(role=Role.PROGRAMME_OFFICER) & models.Q(programme="")),
                name="grant_programme_iff_programme_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"grant #{self.pk} {self.role}"

    @property
    def audit_area(self) -> Area:
        return self.area


class LoginFailure(models.Model):
    """A failed sign-in, kept for the lockout window. The account is stored as a keyed hash of the
    name typed, which may be a phone number: nothing personal in clear."""

    username_key = models.CharField(max_length=64, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")

    def __str__(self) -> str:
        return f"login failure #{self.pk}"


class GrantRequestQuerySet(ScopedQuerySet["GrantRequest"]):
    default_capability = Capability.ACCOUNTS_MANAGE


class GrantRequest(models.Model):
    """A grant one system administrator asked for, taking effect only when a second one approves it
    (four eyes). Roles that reach personal data need one (``roles.NEEDS_SECOND_APPROVAL``); the others are
    recorded as approved at once. Nobody requests or approves a grant of their own."""

    area_path_lookup = "area__path"

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a second administrator")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grant_requests", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The grant the approval made (gone again once the role is removed).
    grant = models.ForeignKey(
        Grant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("grant")
    )

    objects = GrantRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("grant request")
        verbose_name_plural = _("grant requests")
        constraints = [
            # One open request per grant: a second would only be approved twice.
            models.UniqueConstraint(
                fields=["user", "role", "area", "programme"],
                condition=models.Q(state="pending"),
                name="grant_request_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"grant request #{self.pk} {self.role} {self.state}"

    @property
    def audit_area(self) -> Area:
        return self.area


class PhoneCode(models.Model):
    """A one-time sign-in code sent to a phone (the resident's portal). Only the phone's blind index and
    a keyed hash of the code are stored; a code expires, allows a few attempts, and is used once."""

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time sign-in code")
        verbose_name_plural = _("one-time sign-in codes")

    def __str__(self) -> str:
        return f"phone code #{self.pk}"
