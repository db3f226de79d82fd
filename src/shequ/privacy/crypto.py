"""AES-256-GCM encryption of personal data at rest, with versioned keys, and the blind index.

A stored value is ``v<version>:<base64(nonce || ciphertext+tag)>``. The associated data binds a value
to its column and its row (``app.model.field|<row key>``, see ``row_context``), so a ciphertext copied
into another column, or moved to another row of the same column, does not decrypt.
"""

from __future__ import annotations

import base64
import hmac
import os
import uuid
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12  # NIST SP 800-38D §8.2: 96-bit random nonces


class DecryptionError(Exception):
    """A stored value could not be decrypted (wrong key, damaged, or moved to another column)."""


@lru_cache(maxsize=8)
def _parse_keys(spec: str) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        version, _, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
            keys[int(version)] = key
        except ValueError as exc:
            raise ImproperlyConfigured("SHEQU_ENCRYPTION_KEYS: each item is version:base64key") from exc
        if len(key) != 32:
            raise ImproperlyConfigured("SHEQU_ENCRYPTION_KEYS: every key must be 32 bytes (AES-256)")
    if not keys:
        raise ImproperlyConfigured("SHEQU_ENCRYPTION_KEYS holds no key")
    return keys


def keys() -> dict[int, bytes]:
    return _parse_keys(settings.SHEQU_ENCRYPTION_KEYS)


def current_version() -> int:
    configured = settings.SHEQU_ENCRYPTION_KEY_VERSION
    version = int(configured) if configured else max(keys())
    if version not in keys():
        raise ImproperlyConfigured(f"SHEQU_ENCRYPTION_KEY_VERSION {version} is not in SHEQU_ENCRYPTION_KEYS")
    return version


def row_context(column: str, row_key: uuid.UUID | str | None) -> str:
    """The associated data of a value in ``column`` (``app.model.field``) of the row whose stable key is
    ``row_key``: swapping two rows' ciphertexts, or copying one to another row, makes both undecryptable.

    The row key, not the primary key, because the resident import encrypts before the row exists.
    """
    if row_key is None or row_key == "":
        raise DecryptionError("the row has no row key")
    key = row_key if isinstance(row_key, uuid.UUID) else uuid.UUID(str(row_key))
    return f"{column}|{key.hex}"


@lru_cache(maxsize=8)
def _aead(key: bytes) -> AESGCM:
    # One cipher object per key: building it costs as much as sealing a short value (an import seals
    # two per row).
    return AESGCM(key)


def encrypt(plaintext: str, *, context: str) -> str:
    version = current_version()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _aead(keys()[version]).encrypt(nonce, plaintext.encode(), context.encode())
    return f"v{version}:" + base64.b64encode(nonce + sealed).decode()


def key_version_of(stored: str) -> int:
    prefix, _, _ = stored.partition(":")
    if not prefix.startswith("v") or not prefix[1:].isdigit():
        raise DecryptionError("not an encrypted value")
    return int(prefix[1:])


def decrypt(stored: str, *, context: str) -> str:
    version = key_version_of(stored)
    key = keys().get(version)
    if key is None:
        raise DecryptionError(f"key version {version} is not configured")
    try:
        raw = base64.b64decode(stored.partition(":")[2], validate=True)
        return _aead(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except Exception as exc:  # InvalidTag, binascii.Error: never echo the value
        raise DecryptionError("the value could not be decrypted") from exc


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash (HMAC-SHA256) for exact-match lookup of an encrypted value.

    ``purpose`` separates indexes (identity numbers vs phones), so equal strings in two kinds of field
    do not share an index value. Normalise the value before calling.
    """
    message = f"{purpose}\x00{value}".encode()
    return hmac.digest(settings.SHEQU_BLIND_INDEX_KEY.encode(), message, "sha256").hex()
