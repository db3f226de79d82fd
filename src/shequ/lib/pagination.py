from django.conf import settings
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

# Offsets past this are no real page: they would overflow SQLite's 64-bit integers (a 500, not a 422).
MAX_OFFSET = 10**9


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with an upper bound on the offset."""

    class Input(Schema):
        limit: int = Field(settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
