"""API output of personal fields: masked, as every page shows them."""

from __future__ import annotations

from django.db import models
from ninja import Schema

from .fields import masked


class MaskedIdentityOut(Schema):
    """The identity number and the phone of a person or an account, masked; the full values only
    through a reveal (``privacy.services.reveal``)."""

    id_number_masked: str
    phone_masked: str

    @staticmethod
    def resolve_id_number_masked(obj: models.Model) -> str:
        return masked(obj, "id_number")

    @staticmethod
    def resolve_phone_masked(obj: models.Model) -> str:
        return masked(obj, "phone")
