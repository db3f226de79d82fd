"""Attachment files: the type read from the content's first bytes (a name or a declared type proves
nothing), and a reader that bounds the size and hashes what passes through it."""

from __future__ import annotations

import hashlib
from typing import IO

# Magic numbers: PDF (ISO 32000-1 §7.5.2), JPEG (JFIF SOI marker), PNG (RFC 2083 §3.1).
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff_type(head: bytes) -> str | None:
    """The accepted type the first bytes announce, or None."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


class TooLarge(Exception):
    pass


class BoundedReader:
    """Reads ``head`` then the rest of ``source``, hashing and counting; past ``limit`` bytes it raises
    ``TooLarge`` (so a 2 GB upload is refused after ``limit`` bytes, not stored)."""

    def __init__(self, head: bytes, source: IO[bytes], limit: int) -> None:
        self._pending = head
        self._source = source
        self._limit = limit
        self.size = 0
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        # A full ``n`` bytes unless at the end: the sealer (``seal_stream``) takes a short read for the end,
        # so the head is topped up from the source rather than returned alone.
        if self._pending:
            if 0 <= n < len(self._pending):
                chunk, self._pending = self._pending[:n], self._pending[n:]
            else:
                chunk, self._pending = self._pending, b""
                chunk += self._source.read(-1 if n < 0 else n - len(chunk))
        else:
            chunk = self._source.read(n)
        self.size += len(chunk)
        if self.size > self._limit:
            raise TooLarge
        self.digest.update(chunk)
        return chunk
