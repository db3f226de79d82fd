"""Every write to accounts and grants, and signing in."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.audit.services import record_event
from shequ.lib.identifiers import normalize_mobile, validate_id_number
from shequ.lib.scoping import get_visible_or_404, require_capability

from .access import forget_grants
from .models import Grant, LoginFailure, User
from .roles import ALLOWED_LEVELS, Capability, Programme, Role


def _managed_area(actor: User, code: str) -> Area:
    area = Area.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE).filter(code=code).first()
    if area is None:
        raise ValidationError({"area_code": _("There is no area with this code in your part of the tree.")})
    return area


@transaction.atomic
def account_create(
    *,
    actor: User,
    username: str,
    password: str,
    display_name: str = "",
    id_number: str = "",
    phone: str = "",
    home_area_code: str = "",
) -> User:
    """Create an account (system administrator). Identity number and phone are validated, then
    stored encrypted; the audit event names the account, never the values."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif len(username) > 150:
        errors["username"] = [_("A user name has at most 150 characters.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This user name is taken.")]
    if id_number:
        try:
            id_number = validate_id_number(id_number).number
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    home_area = None
    if home_area_code:
        try:
            home_area = _managed_area(actor, home_area_code)
        except ValidationError:
            errors["home_area_code"] = [_("There is no area with this code in your part of the tree.")]
    user = User(
        username=username,
        display_name=(display_name or "").strip()[:50],
        id_number=id_number,
        phone=phone,
        home_area=home_area,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    record_event(actor=actor, action="accounts.create", obj=user)
    return user


@transaction.atomic
def grant_add(*, actor: User, user_id: int, role: str, area_code: str, programme: str = "") -> Grant:
    """Give an account one role over one area's subtree."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    user = get_visible_or_404(User.objects.all(), pk=user_id)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    area = _managed_area(actor, area_code)
    if area.level not in ALLOWED_LEVELS[role]:
        raise ValidationError(
            {
                "area_code": _("A %(role)s is granted at another level of the tree than a %(level)s.")
                % {"role": Role(role).label, "level": area.get_level_display()}
            }
        )
    if (role == Role.PROGRAMME_OFFICER) != bool(programme):
        raise ValidationError({"programme": _("A programme is named for a programme officer, and only for one.")})
    if programme and programme not in Programme.values:
        raise ValidationError({"programme": _("Unknown programme.")})
    try:
        with transaction.atomic():
            grant = Grant.objects.create(user=user, role=role, area=area, programme=programme)
    except IntegrityError:
        raise ValidationError({"role": _("The account already has this grant.")}) from None
    forget_grants(user)
    record_event(actor=actor, action="accounts.grant_add", obj=grant, data={"user": user.pk, "role": role})
    return grant


@transaction.atomic
def grant_remove(*, actor: User, grant_id: int) -> None:
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    grant = get_visible_or_404(
        Grant.objects.filter(area__in=Area.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE)), pk=grant_id
    )
    record_event(
        actor=actor, action="accounts.grant_remove", obj=grant, data={"user": grant.user_id, "role": grant.role}
    )
    grant.delete()


def _username_key(username: str) -> str:
    # A keyed hash: the name typed may be a phone number, which must not sit in clear in the table.
    return hmac.new(settings.SECRET_KEY.encode(), username.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_locked_out(*, username: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.SHEQU_LOCKOUT_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username_key=_username_key(username)).count() >= settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT:
        return True
    return bool(ip) and recent.filter(ip=ip).count() >= settings.SHEQU_LOCKOUT_MAX_PER_ADDRESS


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None = None
    locked_out: bool = False  # too many failures for this account or from this address


@transaction.atomic
def sign_in(*, request: HttpRequest, username: str, password: str) -> SignInOutcome:
    """Check credentials with lockout; every attempt is recorded.

    A locked-out attempt is refused before the password is checked, so guessing during the lockout
    learns nothing.
    """
    ip = request.META.get("REMOTE_ADDR")
    if is_locked_out(username=username, ip=ip):
        record_event(actor=None, action="accounts.sign_in_locked")
        return SignInOutcome(locked_out=True)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username_key=_username_key(username), ip=ip, at=timezone.now())
        record_event(actor=None, action="accounts.sign_in_failed")
        return SignInOutcome()
    LoginFailure.objects.filter(username_key=_username_key(username)).delete()
    record_event(actor=user, action="accounts.sign_in", obj=user)
    return SignInOutcome(user=user)


@transaction.atomic
def sysadmin_bootstrap(*, username: str, password: str, area_code: str) -> User:
    """Create the first system administrator over a loaded tree's root (the command line's
    `create_sysadmin`); there is no actor yet, so the event records the system."""
    area = Area.objects.filter(code=area_code, parent__isnull=True).first()
    if area is None:
        raise ValidationError({"area_code": _("There is no loaded city with this code.")})
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        record_event(actor=None, action="accounts.create", obj=user)
    grant, created = Grant.objects.get_or_create(user=user, role=Role.SYSADMIN, area=area)
    if created:
        record_event(actor=None, action="accounts.grant_add", obj=grant, data={"user": user.pk, "role": Role.SYSADMIN})
    return user
