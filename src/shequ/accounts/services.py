"""Every write to accounts and grants, and signing in."""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area
from shequ.areas.names import plausible_name
from shequ.audit.models import Alert
from shequ.audit.services import alert_raise, record_event
from shequ.lib.http import client_ip
from shequ.lib.identifiers import normalize_mobile, validate_id_number
from shequ.lib.scoping import get_visible_or_404, require_capability

from .access import forget_grants
from .models import Grant, GrantRequest, LoginFailure, User
from .roles import ALLOWED_LEVELS, NEEDS_SECOND_APPROVAL, Capability, Programme, Role
from .selectors import managed_accounts

# Django's rule for user names (UnicodeUsernameValidator): letters of any script, digits and @.+-_.
_USERNAME = re.compile(r"[\w.@+-]+")


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
    initial_password: bool = True,
) -> User:
    """Create an account (system administrator). Identity number and phone are validated, then
    stored encrypted; the audit event names the account, never the values. The password is an initial
    one (``initial_password``): the account changes it at its first sign-in."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors["username"] = [_("Enter a user name.")]
    elif len(username) > 150:
        errors["username"] = [_("A user name has at most 150 characters.")]
    elif not _USERNAME.fullmatch(username):
        errors["username"] = [_("A user name holds letters, digits and @ . + - _ only.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This user name is taken.")]
    if (display_name or "").strip():
        try:
            display_name = plausible_name(display_name, field="display_name", max_length=50)
        except ValidationError as exc:
            errors.update(exc.message_dict)
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
        must_change_password=initial_password,
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


def _managed_user(actor: User, user_id: int) -> User:
    # Scoped like the accounts page: an account outside the administrator's tree is a 404, whatever
    # the caller (page, API, another service) checked before.
    return get_visible_or_404(managed_accounts(actor=actor), pk=user_id)


def _refuse_own(actor: User, user: User) -> None:
    if user.pk == actor.pk:
        raise ValidationError({"user": _("Nobody changes their own roles: another administrator does.")})


def _check_grant(role: str, area: Area, programme: str) -> None:
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


def _grant_alert(request: GrantRequest, *, state: str, decided_by: User | None = None) -> None:
    # Ids and the role only: the auditors open the accounts from there.
    alert_raise(
        kind=Alert.Kind.GRANT,
        actor=request.user,
        area=request.area,
        data={
            "request": request.pk,
            "user": request.user_id,
            "role": request.role,
            "requested_by": request.requested_by_id,
            "state": state,
            **({"approved_by": decided_by.pk} if decided_by is not None else {}),
        },
    )


def _make_grant(actor: User, request: GrantRequest) -> Grant:
    try:
        with transaction.atomic():
            grant = Grant.objects.create(
                user=request.user, role=request.role, area=request.area, programme=request.programme
            )
    except IntegrityError:
        raise ValidationError({"role": _("The account already has this grant.")}) from None
    request.state = GrantRequest.State.APPROVED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.grant = grant
    request.save(update_fields=["state", "decided_by", "decided_at", "grant"])
    forget_grants(request.user)
    record_event(
        actor=actor,
        action="accounts.grant_add",
        obj=grant,
        data={
            "user": request.user_id,
            "role": request.role,
            "request": request.pk,
            "requested_by": request.requested_by_id,
        },
    )
    return grant


@transaction.atomic
def grant_request(*, actor: User, user_id: int, role: str, area_code: str, programme: str = "") -> GrantRequest:
    """Ask for one role over one area's subtree for an account the administrator manages. A role that
    reaches personal data (``roles.NEEDS_SECOND_APPROVAL``) waits for a second administrator and alerts
    the auditors; any other takes effect at once. Nobody asks for their own roles."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    user = _managed_user(actor, user_id)
    _refuse_own(actor, user)
    if role not in Role.values or role == Role.SYSTEM:  # the scheduled jobs' own role, never a person's
        raise ValidationError({"role": _("Unknown role.")})
    area = _managed_area(actor, area_code)
    _check_grant(role, area, programme)
    if Grant.objects.filter(user=user, role=role, area=area, programme=programme).exists():
        raise ValidationError({"role": _("The account already has this grant.")})
    try:
        with transaction.atomic():
            request = GrantRequest.objects.create(
                user=user, role=role, area=area, programme=programme, requested_by=actor
            )
    except IntegrityError:
        raise ValidationError({"role": _("This grant is already waiting for a second administrator.")}) from None
    record_event(actor=actor, action="accounts.grant_request", obj=request, data={"user": user.pk, "role": role})
    if role in NEEDS_SECOND_APPROVAL:
        _grant_alert(request, state=GrantRequest.State.PENDING)
    else:
        _make_grant(actor, request)
    return request


def _pending_request(actor: User, request_id: int) -> GrantRequest:
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    request = get_visible_or_404(
        GrantRequest.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE)
        .filter(state=GrantRequest.State.PENDING)
        .select_related("area")
        .select_for_update(of=("self",)),
        pk=request_id,
    )
    _managed_user(actor, request.user_id)
    return request


@transaction.atomic
def grant_approve(*, actor: User, request_id: int) -> Grant:
    """A second system administrator approves a pending grant: neither the one who asked for it nor the
    account it is for. The grant takes effect now, and the auditors are alerted."""
    request = _pending_request(actor, request_id)
    if actor.pk in (request.requested_by_id, request.user_id):
        raise ValidationError(
            {"request": _("A second administrator approves: not the one who asked, nor the account it is for.")}
        )
    grant = _make_grant(actor, request)
    _grant_alert(request, state=GrantRequest.State.APPROVED, decided_by=actor)
    return grant


@transaction.atomic
def grant_refuse(*, actor: User, request_id: int) -> GrantRequest:
    """Another system administrator refuses a pending grant, or the one who asked withdraws it."""
    request = _pending_request(actor, request_id)
    if actor.pk == request.user_id:
        raise ValidationError({"request": _("Nobody decides on their own roles.")})
    withdrawn = actor.pk == request.requested_by_id
    request.state = GrantRequest.State.WITHDRAWN if withdrawn else GrantRequest.State.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["state", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="accounts.grant_withdraw" if withdrawn else "accounts.grant_refuse",
        obj=request,
        data={"user": request.user_id, "role": request.role},
    )
    return request


@transaction.atomic
def grant_remove(*, actor: User, grant_id: int) -> None:
    """Take a role away (at once: removing reaches no data). Not one's own: that is another
    administrator's decision, as adding it was."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    grant = get_visible_or_404(
        Grant.objects.filter(area__in=Area.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE)), pk=grant_id
    )
    _refuse_own(actor, _managed_user(actor, grant.user_id))
    record_event(
        actor=actor, action="accounts.grant_remove", obj=grant, data={"user": grant.user_id, "role": grant.role}
    )
    grant.delete()
    forget_grants(grant.user)


@transaction.atomic
def grant_set_head(*, actor: User, grant_id: int, is_head: bool) -> Grant:
    """Mark a community-staff grant as the community's head (社区书记/主任) or not: the head follows up the
    low ratings of the community's cases. Reaches no further data, so no second administrator approves it."""
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    grant = get_visible_or_404(
        Grant.objects.select_for_update().filter(area__in=Area.objects.visible_to(actor, Capability.ACCOUNTS_MANAGE)),
        pk=grant_id,
    )
    if grant.role != Role.COMMUNITY_STAFF:
        raise ValidationError({"is_head": _("Only community staff can be the head of a community.")})
    grant.is_head = is_head
    grant.save(update_fields=["is_head"])
    record_event(actor=actor, action="accounts.grant_head", obj=grant, data={"user": grant.user_id, "head": is_head})
    return grant


def _new_password(user: User, password: str, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    user.set_password(password)


@transaction.atomic
def password_change(*, actor: User, old_password: str, new_password: str) -> User:
    """One's own password: the current one, then a new one that meets the rules and differs from it.
    Ends a forced change."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("Choose a password other than the current one.")})
    _new_password(user, new_password, "new_password")
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record_event(actor=user, action="accounts.password_change", obj=user)
    actor.password = user.password  # the session's hash follows (``update_session_auth_hash``)
    return user


def _managed_other(actor: User, user_id: int) -> User:
    require_capability(actor, Capability.ACCOUNTS_MANAGE)
    user = _managed_user(actor, user_id)
    if user.pk == actor.pk:
        raise ValidationError({"user": _("Not your own account: another administrator does this.")})
    return user


@transaction.atomic
def account_reset_password(*, actor: User, user_id: int, password: str) -> User:
    """A system administrator sets a temporary password (the account changes it at its next sign-in) and
    lifts the lockout: what a forgotten password needs. Not one's own."""
    user = _managed_other(actor, user_id)
    _new_password(user, password, "password")
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _forget_failures(user)
    record_event(actor=actor, action="accounts.password_reset", obj=user)
    return user


@transaction.atomic
def account_set_active(*, actor: User, user_id: int, is_active: bool) -> User:
    """Disable an account (it cannot sign in, and its sessions end at their next request) or enable it
    again. Not one's own."""
    user = _managed_other(actor, user_id)
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        record_event(actor=actor, action="accounts.enable" if is_active else "accounts.disable", obj=user)
    return user


def _forget_failures(user: User) -> int:
    deleted, _by_model = LoginFailure.objects.filter(username_key=_username_key(user.username)).delete()
    return deleted


@transaction.atomic
def account_unlock(*, actor: User, user_id: int) -> int:
    """Lift a lockout: forget the account's failed sign-ins from every address. Returns how many."""
    user = _managed_other(actor, user_id)
    forgotten = _forget_failures(user)
    record_event(actor=actor, action="accounts.unlock", obj=user, data={"failures": forgotten})
    return forgotten


def login_failures_purge() -> int:
    """Forget failed sign-ins older than the lockout window (nothing reads them any more); hourly."""
    since = timezone.now() - timedelta(seconds=settings.SHEQU_LOCKOUT_WINDOW_SECONDS)
    deleted, _by_model = LoginFailure.objects.filter(at__lt=since).delete()
    return deleted


def _username_key(username: str) -> str:
    # A keyed hash: the name typed may be a phone number, which must not sit in clear in the table.
    return hmac.new(settings.SECRET_KEY.encode(), username.strip().lower().encode(), hashlib.sha256).hexdigest()


class Gate(enum.Enum):
    """What happens to a sign-in attempt before its password is checked."""

    OPEN = "open"
    LOCKED = "locked"  # this account from this address failed too often: refused for the window
    THROTTLED = "throttled"  # failures at this account or from this address: one try per pause


def sign_in_gate(*, username: str, ip: str | None) -> Gate:
    """Failures are keyed on the account and the address together.

    - One address failing at one account ``SHEQU_LOCKOUT_MAX_PER_ACCOUNT`` times locks that pair for the
      window: the real user at another address, and the other accounts behind the same address, are not
      touched by it.
    - An account failing that often from all addresses together (guessing from many machines) makes the
      addresses that already failed at it wait ``SHEQU_LOCKOUT_THROTTLE_SECONDS`` after its last failure;
      an address that has not failed at it (the real user's) is heard at once.
    - An address failing ``SHEQU_LOCKOUT_MAX_PER_ADDRESS`` times across accounts (trying many names, or a
      shared NAT address) waits the same pause after its last failure, for every account: slowed, never
      locked, so a colleague behind that address signs in after the pause.
    """
    now = timezone.now()
    recent = LoginFailure.objects.filter(at__gte=now - timedelta(seconds=settings.SHEQU_LOCKOUT_WINDOW_SECONDS))
    just_now = now - timedelta(seconds=settings.SHEQU_LOCKOUT_THROTTLE_SECONDS)
    key = _username_key(username)
    at_account = recent.filter(username_key=key).aggregate(
        total=Count("pk"), here=Count("pk", filter=Q(ip=ip)), last=Max("at")
    )
    if at_account["here"] >= settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT:
        return Gate.LOCKED
    if (
        at_account["total"] >= settings.SHEQU_LOCKOUT_MAX_PER_ACCOUNT
        and at_account["here"]
        and at_account["last"] >= just_now
    ):
        return Gate.THROTTLED
    if ip:
        from_address = recent.filter(ip=ip).aggregate(total=Count("pk"), last=Max("at"))
        if from_address["total"] >= settings.SHEQU_LOCKOUT_MAX_PER_ADDRESS and from_address["last"] >= just_now:
            return Gate.THROTTLED
    return Gate.OPEN


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None = None
    gate: Gate = Gate.OPEN  # LOCKED or THROTTLED: refused before the password was checked


@transaction.atomic
def sign_in(*, request: HttpRequest, username: str, password: str) -> SignInOutcome:
    """Check credentials behind the gate (``sign_in_gate``); every attempt is audited.

    A locked or throttled attempt is refused before the password is checked, so guessing then learns
    nothing, and it is not counted as a failure (waiting out the pause is all it takes). The address is
    the client's, read through the trusted proxies.
    """
    ip = client_ip(request)
    gate = sign_in_gate(username=username, ip=ip)
    if gate is not Gate.OPEN:
        record_event(actor=None, action=f"accounts.sign_in_{gate.value}")
        return SignInOutcome(gate=gate)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username_key=_username_key(username), ip=ip, at=timezone.now())
        record_event(actor=None, action="accounts.sign_in_failed")
        return SignInOutcome()
    # Only this address's failures are forgiven: the real user signing in elsewhere must not reset the
    # count of an attacker's address.
    LoginFailure.objects.filter(username_key=_username_key(username), ip=ip).delete()
    record_event(actor=user, action="accounts.sign_in", obj=user)
    return SignInOutcome(user=user)


# The command line makes the first system administrator, and the second, who approves the first's
# grants; any further one is granted in the application, where two administrators already exist.
COMMAND_LINE_SYSADMINS = 2


@transaction.atomic
def sysadmin_bootstrap(*, username: str, password: str, area_code: str) -> User:
    """Create a system administrator over a loaded tree's root from the command line
    (`create_sysadmin`): the first or the second of that tree; an account that already is one is left as
    it is. There is no actor, so the events record the system; the grant alerts the auditors like any
    other, and its event says which administrator of the tree this is."""
    area = Area.objects.filter(code=area_code, parent__isnull=True).first()
    if area is None:
        raise ValidationError({"area_code": _("There is no loaded city with this code.")})
    user = User.objects.filter(username=username).first()
    if user is not None and Grant.objects.filter(user=user, role=Role.SYSADMIN, area=area).exists():
        return user
    admins = Grant.objects.filter(role=Role.SYSADMIN, area=area, user__is_active=True).count()
    if admins >= COMMAND_LINE_SYSADMINS:
        raise ValidationError(
            {
                "username": _(
                    "This city already has two system administrators: grant a further one in the "
                    "application, where a second administrator approves it."
                )
            }
        )
    if user is None:
        user = User(username=username)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        record_event(actor=None, action="accounts.create", obj=user)
    grant = Grant.objects.create(user=user, role=Role.SYSADMIN, area=area)
    record_event(
        actor=None,
        action="accounts.grant_add",
        obj=grant,
        data={"user": user.pk, "role": Role.SYSADMIN, "source": "command_line", "sysadmin_number": admins + 1},
    )
    alert_raise(
        kind=Alert.Kind.GRANT,
        actor=user,
        area=area,
        data={"user": user.pk, "role": Role.SYSADMIN, "source": "command_line", "sysadmin_number": admins + 1},
    )
    return user
