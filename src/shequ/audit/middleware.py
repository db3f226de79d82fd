import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from shequ.lib.http import client_ip

from . import context

# A caller (a proxy, another service) may pass its own request id; anything else is replaced.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestContextMiddleware:
    """Gives every request an id (echoed in X-Request-ID) and binds it with the client address (read
    through the trusted proxies, ``lib.http.client_ip``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = context.bind(context.RequestContext(ip=client_ip(request), request_id=request_id))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
