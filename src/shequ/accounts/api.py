from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.privacy.fields import PersonalField
from shequ.privacy.schemas import MaskedIdentityOut
from shequ.privacy.services import reveal

from . import selectors, services
from .http import AuthenticatedHttpRequest
from .models import Grant, GrantRequest, User

router = Router(tags=["accounts"])


class GrantOut(Schema):
    id: int
    role: str
    role_name: str = Field(..., alias="get_role_display")
    area_code: str = Field(..., alias="area.code")
    area_name: str = Field(..., alias="area.name")
    programme: str


class GrantRequestOut(Schema):
    """A grant asked for: ``pending`` until a second administrator approves (roles that reach personal
    data), ``approved`` at once for the others. Accounts are named by id."""

    id: int
    state: str
    user_id: int
    role: str
    role_name: str = Field(..., alias="get_role_display")
    area_code: str = Field(..., alias="area.code")
    area_name: str = Field(..., alias="area.name")
    programme: str
    requested_by_id: int
    decided_by_id: int | None
    grant_id: int | None


class MeOut(MaskedIdentityOut):
    id: int
    username: str
    display_name: str
    grants: list[GrantOut]

    @staticmethod
    def resolve_grants(obj: User) -> list[Grant]:
        return selectors.my_grants(actor=obj)


class AccountOut(Schema):
    """An account as its administrator sees it: no identity number, no phone, not even masked."""

    id: int
    username: str
    display_name: str
    is_active: bool
    grants: list[GrantOut]  # the prefetched related manager, read as a list


class AccountIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    display_name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    home_area_code: str = Field("", max_length=20)


class PasswordChangeIn(Schema):
    old_password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class PasswordResetIn(Schema):
    password: str = Field(..., max_length=128, description="temporary: changed at the next sign-in")


class AccountPatch(Schema):
    is_active: bool


class UnlockOut(Schema):
    forgotten: int = Field(..., description="failed sign-ins forgotten")


class GrantIn(Schema):
    role: str = Field(..., max_length=32)
    area_code: str = Field(..., max_length=20)
    programme: str = Field("", max_length=32)


class RevealIn(Schema):
    field: PersonalField
    category: str = Field(..., max_length=40)  # the code of an active privacy.RevealReason
    reason: str = Field(..., max_length=500)


class RevealOut(Schema):
    field: PersonalField
    value: str


@router.get("/me", response=MeOut, operation_id="me")
def me(request: AuthenticatedHttpRequest) -> User:
    """The signed-in account, its personal data masked, and its grants."""
    return request.user


@router.get("/accounts", response=list[AccountOut], operation_id="accounts_list")
@paginate
def accounts_list(request: AuthenticatedHttpRequest) -> QuerySet[User]:
    """Accounts the system administrator manages."""
    return selectors.managed_accounts(actor=request.user)


@router.post("/accounts", response={201: AccountOut}, operation_id="account_create")
def account_create(request: AuthenticatedHttpRequest, payload: AccountIn) -> Status:
    user = services.account_create(actor=request.user, **payload.dict())
    return Status(201, selectors.managed_account(actor=request.user, user_id=user.pk))


@router.post("/me/password", response={204: None}, operation_id="password_change")
def password_change(request: AuthenticatedHttpRequest, payload: PasswordChangeIn) -> Status:
    """Change one's own password (the current one, then a new one that meets the rules); this session
    stays signed in."""
    services.password_change(actor=request.user, **payload.dict())
    update_session_auth_hash(request, request.user)
    return Status(204, None)


@router.post("/accounts/{user_id}/password", response=AccountOut, operation_id="account_reset_password")
def account_reset_password(request: AuthenticatedHttpRequest, payload: PasswordResetIn, user_id: int) -> User:
    """Set a temporary password (the account changes it at its next sign-in) and lift the lockout."""
    services.account_reset_password(actor=request.user, user_id=user_id, password=payload.password)
    return selectors.managed_account(actor=request.user, user_id=user_id)


@router.patch("/accounts/{user_id}", response=AccountOut, operation_id="account_update")
def account_update(request: AuthenticatedHttpRequest, payload: AccountPatch, user_id: int) -> User:
    """Disable an account (it cannot sign in; its sessions end) or enable it again."""
    services.account_set_active(actor=request.user, user_id=user_id, is_active=payload.is_active)
    return selectors.managed_account(actor=request.user, user_id=user_id)


@router.post("/accounts/{user_id}/unlock", response=UnlockOut, operation_id="account_unlock")
def account_unlock(request: AuthenticatedHttpRequest, user_id: int) -> dict[str, int]:
    """Forget the account's failed sign-ins from every address."""
    return {"forgotten": services.account_unlock(actor=request.user, user_id=user_id)}


@router.post("/accounts/{user_id}/grants", response={201: GrantRequestOut}, operation_id="grant_add")
def grant_add(request: AuthenticatedHttpRequest, user_id: int, payload: GrantIn) -> Status:
    """Ask for a role for another account: in effect at once (``approved``), or, for a role that reaches
    personal data, ``pending`` until a second system administrator approves it."""
    return Status(201, services.grant_request(actor=request.user, user_id=user_id, **payload.dict()))


@router.get("/grant-requests", response=list[GrantRequestOut], operation_id="grant_requests_list")
@paginate
def grant_requests_list(request: AuthenticatedHttpRequest) -> QuerySet[GrantRequest]:
    """Grants waiting for a second system administrator, in the caller's tree."""
    return selectors.pending_grant_requests(actor=request.user)


@router.post("/grant-requests/{request_id}/approve", response=GrantOut, operation_id="grant_approve")
def grant_approve(request: AuthenticatedHttpRequest, request_id: int) -> Grant:
    """Approve another administrator's request (not one's own, nor one for oneself)."""
    return services.grant_approve(actor=request.user, request_id=request_id)


@router.post("/grant-requests/{request_id}/refuse", response=GrantRequestOut, operation_id="grant_refuse")
def grant_refuse(request: AuthenticatedHttpRequest, request_id: int) -> GrantRequest:
    """Refuse a pending request; the administrator who asked for it withdraws it the same way."""
    return services.grant_refuse(actor=request.user, request_id=request_id)


@router.delete("/grants/{grant_id}", response={204: None}, operation_id="grant_remove")
def grant_remove(request: AuthenticatedHttpRequest, grant_id: int) -> Status:
    services.grant_remove(actor=request.user, grant_id=grant_id)
    return Status(204, None)


@router.post("/accounts/{user_id}/reveal", response=RevealOut, operation_id="account_reveal")
def account_reveal(request: AuthenticatedHttpRequest, user_id: int, payload: RevealIn) -> RevealOut:
    """Show one personal field unmasked. Needs the reveal permission over the account's area (or
    the account is the caller's own) and a reason; every call is an audit event."""
    value = reveal(
        actor=request.user,
        model=User,
        pk=user_id,
        field=payload.field,
        category=payload.category,
        reason=payload.reason,
    )
    return RevealOut(field=payload.field, value=value)
