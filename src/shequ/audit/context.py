"""Who is acting, from where, in which request: read by the audit trail without passing it around."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    request_id: str = ""


_NO_REQUEST = RequestContext()  # frozen, so sharing it as the default is safe
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "shequ_request_context",
    default=_NO_REQUEST,  # noqa: B039
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
