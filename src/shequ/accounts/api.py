from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.privacy.fields import masked
from shequ.privacy.services import reveal

from . import selectors, services
from .models import Grant, User
from .roles import Role

router = Router(tags=["accounts"])


class GrantOut(Schema):
    id: int
    role: str
    role_name: str
    area_code: str
    area_name: str
    programme: str

    @staticmethod
    def resolve_role_name(obj: Grant) -> str:
        return str(Role(obj.role).label)

    @staticmethod
    def resolve_area_code(obj: Grant) -> str:
        return obj.area.code

    @staticmethod
    def resolve_area_name(obj: Grant) -> str:
        return obj.area.name


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    id_number_masked: str
    phone_masked: str
    grants: list[GrantOut]

    @staticmethod
    def resolve_id_number_masked(obj: User) -> str:
        return masked(obj, "id_number")

    @staticmethod
    def resolve_phone_masked(obj: User) -> str:
        return masked(obj, "phone")

    @staticmethod
    def resolve_grants(obj: User, context) -> list[Grant]:
        return selectors.my_grants(actor=obj)


class AccountOut(Schema):
    """An account as its administrator sees it: no identity number, no phone, not even masked."""

    id: int
    username: str
    display_name: str
    is_active: bool
    grants: list[GrantOut]

    @staticmethod
    def resolve_grants(obj: User) -> list[Grant]:
        return list(obj.grants.all())


class AccountIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)
    display_name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    home_area_code: str = Field("", max_length=20)


class GrantIn(Schema):
    role: str = Field(..., max_length=32)
    area_code: str = Field(..., max_length=20)
    programme: str = Field("", max_length=32)


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(..., max_length=500)


class RevealOut(Schema):
    field: str
    value: str


@router.get("/me", response=MeOut, operation_id="me")
def me(request):
    """The signed-in account, its personal data masked, and its grants."""
    return request.user


@router.get("/accounts", response=list[AccountOut], operation_id="accounts_list")
@paginate
def accounts_list(request):
    """Accounts the system administrator manages."""
    return selectors.managed_accounts(actor=request.user)


@router.post("/accounts", response={201: AccountOut}, operation_id="account_create")
def account_create(request, payload: AccountIn):
    user = services.account_create(actor=request.user, **payload.dict())
    return Status(201, selectors.managed_account(actor=request.user, user_id=user.pk))


@router.post("/accounts/{user_id}/grants", response={201: GrantOut}, operation_id="grant_add")
def grant_add(request, user_id: int, payload: GrantIn):
    selectors.managed_account(actor=request.user, user_id=user_id)
    return Status(201, services.grant_add(actor=request.user, user_id=user_id, **payload.dict()))


@router.delete("/grants/{grant_id}", response={204: None}, operation_id="grant_remove")
def grant_remove(request, grant_id: int):
    services.grant_remove(actor=request.user, grant_id=grant_id)
    return Status(204, None)


@router.post("/accounts/{user_id}/reveal", response=RevealOut, operation_id="account_reveal")
def account_reveal(request, user_id: int, payload: RevealIn):
    """Show one personal field unmasked. Needs the reveal permission over the account's area (or
    the account is the caller's own) and a reason; every call is an audit event."""
    value = reveal(actor=request.user, model=User, pk=user_id, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}
