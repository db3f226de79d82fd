"""Files and blobs sealed with the keys of the personal fields (``crypto``), in fixed-size chunks.

An uploaded roster can be 200 MB and the .xlsx reader needs to seek, so a file is never sealed or
opened as one piece: it is a header and a run of chunks, each AES-256-GCM sealed with its own random
nonce. The associated data of a chunk binds it to its context (e.g. one import job's upload), to the
file (a random id in the header), to its position and to whether it is the last chunk, so chunks
cannot be reordered, swapped between files or cut off at the end without the reader noticing.

Layout: ``MAGIC ‖ key version (4 bytes) ‖ chunk size (4 bytes) ‖ file id (16 bytes)``, then per
chunk ``nonce (12) ‖ ciphertext ‖ tag (16)``; every chunk holds ``chunk size`` bytes of plaintext but
the last, which may hold fewer (or none: an empty file is one empty last chunk).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.base import File
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from . import crypto

MAGIC = b"SQSEAL1\x00"
CHUNK_BYTES = 64 * 1024
_HEADER = struct.Struct(">8sII16s")
_TAG_BYTES = 16
_OVERHEAD = crypto.NONCE_BYTES + _TAG_BYTES


def _associated(context: str, file_id: bytes, index: int, last: bool) -> bytes:
    return b"%s\x00%s%s%s" % (context.encode(), file_id, index.to_bytes(8, "big"), b"\x01" if last else b"\x00")


def seal_stream(source: IO[bytes], *, context: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The sealed form of ``source`` (read to its end), in pieces of about ``chunk_bytes``."""
    version = crypto.current_version()
    aead = AESGCM(crypto.keys()[version])
    file_id = os.urandom(16)
    yield _HEADER.pack(MAGIC, version, chunk_bytes, file_id)
    index = 0
    pending = source.read(chunk_bytes)
    while True:
        # One chunk of look-ahead: a chunk is only known to be the last once the next read is empty.
        following = source.read(chunk_bytes) if len(pending) == chunk_bytes else b""
        last = not following
        nonce = os.urandom(crypto.NONCE_BYTES)
        yield nonce + aead.encrypt(nonce, pending, _associated(context, file_id, index, last))
        if last:
            return
        pending, index = following, index + 1


def seal_bytes(data: bytes, *, context: str) -> bytes:
    return b"".join(seal_stream(io.BytesIO(data), context=context))


def open_bytes(sealed: bytes, *, context: str) -> bytes:
    return SealedReader(io.BytesIO(sealed), context=context).readall()


class SealedFile(File):
    """A plaintext stream to be stored sealed: ``storage.save(name, SealedFile(upload, context=...))``
    writes the sealed chunks as they are made, so the plaintext is never written anywhere."""

    def __init__(self, source: IO[bytes], *, context: str) -> None:
        super().__init__(None, name="sealed")
        self._source = source
        self._context = context

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        return seal_stream(self._source, context=self._context)


class SealedReader(io.RawIOBase):
    """A sealed file opened for reading: seekable, each chunk decrypted (and checked) when first read.
    Wrap it in ``io.BufferedReader`` for small reads. A damaged, truncated or misplaced file raises
    ``crypto.DecryptionError``."""

    def __init__(self, sealed: IO[bytes], *, context: str) -> None:
        super().__init__()
        self._sealed = sealed
        self._context = context
        header = sealed.read(_HEADER.size)
        if len(header) != _HEADER.size:
            raise crypto.DecryptionError("not a sealed file")
        magic, version, self._chunk, self._file_id = _HEADER.unpack(header)
        key = crypto.keys().get(version)
        if magic != MAGIC or key is None or self._chunk <= 0:
            raise crypto.DecryptionError("not a sealed file, or its key is not configured")
        self._aead = AESGCM(key)
        body = sealed.seek(0, io.SEEK_END) - _HEADER.size
        sealed_chunk = self._chunk + _OVERHEAD
        self._chunks = max(1, -(-body // sealed_chunk))
        last_sealed = body - (self._chunks - 1) * sealed_chunk
        if last_sealed < _OVERHEAD:
            raise crypto.DecryptionError("the sealed file is truncated")
        self._size = (self._chunks - 1) * self._chunk + last_sealed - _OVERHEAD
        self._position = 0
        self._cached: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _plain_chunk(self, index: int) -> bytes:
        if self._cached[0] != index:
            sealed_chunk = self._chunk + _OVERHEAD
            self._sealed.seek(_HEADER.size + index * sealed_chunk)
            raw = self._sealed.read(sealed_chunk)
            last = index == self._chunks - 1
            try:
                plain = self._aead.decrypt(
                    raw[: crypto.NONCE_BYTES],
                    raw[crypto.NONCE_BYTES :],
                    _associated(self._context, self._file_id, index, last),
                )
            except InvalidTag as exc:
                raise crypto.DecryptionError("a chunk of the sealed file could not be decrypted") from exc
            self._cached = (index, plain)
        return self._cached[1]

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._position >= self._size or not len(view):
            return 0
        index, offset = divmod(self._position, self._chunk)
        piece = self._plain_chunk(index)[offset : offset + len(view)]
        view[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def close(self) -> None:
        self._sealed.close()
        super().close()


def open_sealed(sealed: IO[bytes], *, context: str) -> io.BufferedReader:
    """A sealed file as a buffered, seekable binary stream of its plaintext."""
    return io.BufferedReader(SealedReader(sealed, context=context), buffer_size=CHUNK_BYTES)


class SealedBinaryField(models.BinaryField):
    """Bytes stored sealed with the personal fields' keys, bound to the column (``app.model.field``);
    Python code sees the plaintext, the database never does."""

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: object, connection: BaseDatabaseWrapper) -> bytes | None:
        if value is None:
            return None
        return open_bytes(bytes(value), context=self.crypto_context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return seal_bytes(bytes(value), context=self.crypto_context)
