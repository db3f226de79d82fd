"""Model fields for personal data: encrypted at rest, with a blind index for exact lookup."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext_lazy as _

from shequ.lib.masking import mask_middle

from . import crypto


class PersonalField(models.TextChoices):
    """The encrypted personal fields that a reveal may show (accounts and residents both hold them)."""

    ID_NUMBER = "id_number", _("identity number")
    PHONE = "phone", _("mobile number")


def _default_mask(value: str) -> str:
    return mask_middle(value, keep_start=1, keep_end=1)


class EncryptedTextField(models.TextField):
    """Text stored AES-GCM encrypted; Python code sees plaintext, the database never does.

    Filtering on this field cannot work (every value has a fresh nonce): look values up through the
    companion ``BlindIndexField``. ``mask`` renders the value for display by default.
    """

    def __init__(self, *args: Any, mask: Callable[[str], str] | None = None, **kwargs: Any) -> None:
        self.mask = mask or _default_mask
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("blank", None)
        kwargs.pop("default", None)
        return name, path, args, kwargs

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value: object) -> str | None:
        text: str | None = super().get_prep_value(value)
        if not text:
            return text
        return crypto.encrypt(text, context=self.crypto_context)


class BlindIndexField(models.CharField):
    """The keyed hash of another field's plaintext, kept in step on every save.

    No index of its own: the model declares the one it needs in ``Meta`` (a unique constraint or a
    plain ``Index``), since a ``db_index`` CharField gets a second, ``LIKE`` index on PostgreSQL that a
    hash is never searched with.
    """

    def __init__(self, *args: Any, source: str = "", purpose: str = "", **kwargs: Any) -> None:
        self.source = source
        self.purpose = purpose or source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        for key in ("max_length", "blank", "default", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def index_of(self, plaintext: str) -> str:
        return crypto.blind_index(plaintext, purpose=self.purpose) if plaintext else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_of(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def lookup(model: type[models.Model], source: str, plaintext: str) -> models.Q:
    """The filter that finds rows whose ``source`` field equals ``plaintext`` (already normalised)."""
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.source == source:
            return models.Q(**{field.name: field.index_of(plaintext)})
    raise LookupError(f"{model._meta.label} has no blind index for {source}")


def masked(instance: models.Model, field_name: str) -> str:
    """The display form of a personal field: always masked."""
    field = instance._meta.get_field(field_name)
    if not isinstance(field, EncryptedTextField):
        raise LookupError(f"{instance._meta.label}.{field_name} is not an encrypted personal field")
    return field.mask(getattr(instance, field_name) or "")
