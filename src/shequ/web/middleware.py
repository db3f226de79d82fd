import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class SecurityHeadersMiddleware:
    """Headers Django 5.2 does not set itself: Content-Security-Policy and Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.SHEQU_CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


class LanguageMiddleware:
    """Simplified Chinese unless the person chose another language with the switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and a staff computer set to
    English would show the platform in English; the plan's users expect Chinese first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class RejectUnstorableTextMiddleware:
    """Refuse API input text that no database column can hold: NUL characters, and (in JSON) lone
    UTF-16 surrogates such as "\\ud800". PostgreSQL rejects both with an error (a 500), and no real
    value contains them. Pages' forms already refuse NUL (Django's ProhibitNullCharactersValidator);
    uploaded files are binary and not checked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith("/api/") and self._unstorable(request):
            message = _("Values must not contain NUL characters or broken Unicode.")
            return JsonResponse({"detail": [{"field": "", "message": message}]}, status=422)
        return self.get_response(request)

    @staticmethod
    def _unstorable(request: HttpRequest) -> bool:
        fields = list(request.GET.lists())
        if request.method == "POST" and request.content_type in (
            "multipart/form-data",
            "application/x-www-form-urlencoded",
        ):
            fields += list(request.POST.lists())  # form fields only: uploaded files are binary
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in fields):
            return True
        if request.content_type == "application/json":
            body = request.body
            if b"\x00" in body or b"\\u0000" in body:
                return True
            if b"\\ud" in body.lower():  # only then can a lone surrogate be hiding in an escape
                try:
                    json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
                except UnicodeEncodeError:
                    return True
                except ValueError:
                    return False  # not JSON at all: the API answers that itself
        return False
