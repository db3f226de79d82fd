"""Model fields for personal data: encrypted at rest, with a blind index for exact lookup."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.core import checks
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from shequ.lib.masking import mask_middle

from . import crypto


class PersonalField(models.TextChoices):
    """The encrypted personal fields that a reveal may show (accounts and residents both hold them)."""

    ID_NUMBER = "id_number", _("identity number")
    PHONE = "phone", _("mobile number")


def _default_mask(value: str) -> str:
    return mask_middle(value, keep_start=1, keep_end=1)


ROW_KEY = "row_key"  # the attribute every model with encrypted fields keeps its RowKeyField under

logger = logging.getLogger(__name__)


class RowKeyField(models.UUIDField):
    """The row's stable key, bound into the associated data of each of its encrypted values.

    Made when the row is made (or when an import stages it, before the row has a primary key) and
    never edited: a ciphertext moved to another row does not decrypt there.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", uuid.uuid4)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        for key in ("default", "unique", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs


class Sealed(str):
    """A value as the database stores it (ciphertext): what the column is written with, and what an
    instance holds until the value is first read."""

    __slots__ = ()


class Unreadable(str):
    """What reading a value that does not decrypt gives (moved from another row, damaged, unknown
    key): a placeholder, never the stored text. Saving the row writes the stored text back unchanged,
    so the evidence stays for whoever investigates."""

    stored: str

    def __new__(cls, stored: str) -> Unreadable:
        self = super().__new__(cls, _("[cannot be decrypted]"))
        self.stored = stored
        return self


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read, with the instance's row key (``from_db_value`` does not know the row).

    A data descriptor (it has ``__set__``), so that reads come here even once the instance holds a value.
    """

    field: EncryptedTextField

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: models.Model | None, cls: type[models.Model] | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.unseal(instance, value)
            instance.__dict__[self.field.attname] = value
        return value


class EncryptedTextField(models.TextField):
    """Text stored AES-GCM encrypted; Python code sees plaintext, the database never does.

    Each value is bound to its column and to its row's ``row_key`` (a ``RowKeyField``): it is sealed in
    ``pre_save``, which knows the instance (``save`` and ``bulk_create`` both call it), and opened on
    first read. Plaintext reaching the database without an instance (``queryset.update``, a filter)
    is refused: the row it would belong to is unknown. Filtering cannot work anyway (every value has a
    fresh nonce): look values up through the companion ``BlindIndexField``. ``mask`` renders the value
    for display by default.
    """

    descriptor_class = EncryptedAttribute

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

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        row_key = next((f for f in self.model._meta.concrete_fields if f.name == ROW_KEY), None)
        if not isinstance(row_key, RowKeyField):
            errors.append(
                checks.Error(
                    f"{self.model._meta.label} has encrypted fields but no {ROW_KEY} = RowKeyField()",
                    obj=self,
                    id="privacy.E001",
                )
            )
        return errors

    @property
    def crypto_context(self) -> str:
        """The column part of the associated data; ``crypto.row_context`` adds the row."""
        return f"{self.model._meta.label_lower}.{self.name}"

    def context_for(self, instance: models.Model) -> str:
        return crypto.row_context(self.crypto_context, getattr(instance, ROW_KEY))

    def unseal(self, instance: models.Model, stored: str) -> str:
        try:
            return crypto.decrypt(stored, context=self.context_for(instance))
        except crypto.DecryptionError:
            # The row's id only: the stored text is evidence for an investigation, not for a log.
            logger.warning("%s.%s of row %s does not decrypt", self.model._meta.label_lower, self.name, instance.pk)
            return Unreadable(stored)

    def from_db_value(self, value: str | None, expression: object, connection: BaseDatabaseWrapper) -> str | None:
        return Sealed(value) if value else value

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.attname)
        if isinstance(value, Unreadable):
            return Sealed(value.stored)
        if not value:
            return ""
        return Sealed(crypto.encrypt(str(value), context=self.context_for(model_instance)))

    def get_prep_value(self, value: object) -> str | None:
        text: str | None = super().get_prep_value(value)
        if text and not isinstance(text, Sealed):
            raise ValueError(
                f"{self.model._meta.label_lower}.{self.name} is encrypted with its row's key: set it on the "
                "instance and save() it (queryset.update() and filters cannot encrypt; look values up "
                "through the blind index)"
            )
        return text


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
    value = getattr(instance, field_name) or ""
    if isinstance(value, Unreadable):
        return str(value)  # the placeholder says what happened; masking it would look like a value
    return field.mask(value)
