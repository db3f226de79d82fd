"""Open311 GeoReport v2 (R10) at /open311/v2/, JSON only: the catalogue's items that concern a place are
its services, and the cases filed under them its service requests (docs/open311.md).

- Filing (POST requests.json) needs an API key (``casework.apikeys``) and a place inside the key's
  areas; the case goes through ``services.case_file`` on the Open311 channel, into the staff queue.
- Reading without a key shows every place request of the city, as the public record it is: number,
  item, state (open/closed), times, description, address and point. Nothing about a person (applicant,
  phone, who filed, the form's values) is ever shown. Reading with a key shows only the key's areas
  (and what the key itself filed): a district's client reads its district.
- Every refusal is the spec's error list, ``[{"code": 400, "description": "..."}]``, never a page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from shequ.areas.models import Area, Level
from shequ.areas.selectors import placement
from shequ.lib.scoping import paths_filter

from . import apikeys, services
from .models import CLOSED_STATES, ApiKey, Case, CaseState, ChannelChoice, ServiceItem

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"  # when this API last changed (discovery's changeset)
# The catalogue's place items call their free-text account of the problem ``detail`` (问题描述). Open311
# carries that as the request's own ``description``, so it is not offered as an attribute.
DESCRIPTION_FIELD = "detail"
DATATYPES = {"text": "string", "number": "number", "date": "datetime", "choice": "singlevaluelist"}
DEFAULT_DAYS = 90  # the spec: without dates, the last 90 days; a range is at most 90 days
MAX_RESULTS = 1000
# The loaded district outlines are coarse: a point this close outside its key's district still counts.
PLACE_TOLERANCE_M = 200.0
ADDRESS_MAX = 200
DESCRIPTION_MAX = 4000  # the spec's limit; the case keeps at most 2,000 (services.case_file says so)
_ATTRIBUTE = re.compile(r"^attribute\[([a-z][a-z0-9_]{0,39})\]$")


class Refused(Exception):
    """An answer in the spec's error format."""

    def __init__(self, code: int, *descriptions: str) -> None:
        super().__init__(code)
        self.code = code
        self.descriptions = descriptions or (_("Not found."),)


def _errors(code: int, descriptions: tuple[str, ...]) -> JsonResponse:
    return JsonResponse([{"code": code, "description": d} for d in descriptions], status=code, safe=False)


def _json(data: object, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def endpoint(*methods: str) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    """An Open311 view: JSON format only, the given methods only, and every refusal (ours, a 404 from
    below, bad form data) answered in the spec's error format."""

    def wrap(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # outside systems post with a key, not a session: there is no cookie to forge
        def run(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
            try:
                if fmt != "json":
                    raise Refused(400, _("Only the JSON format is offered: end the address with .json."))
                if request.method not in methods:
                    raise Refused(405, _("This method is not allowed here."))
                _refuse_unstorable(request)
                response: HttpResponse = view(request, *args, **kwargs)
                return response
            except Refused as refused:
                return _errors(refused.code, refused.descriptions)
            except Http404:
                return _errors(404, (_("Not found."),))
            except (RequestDataTooBig, TooManyFieldsSent):
                return _errors(400, (_("The request is too large."),))

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    return wrap


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /open311/v2/: the spec's 404, not the site's page."""
    return _errors(404, (_("Not found."),))


def _refuse_unstorable(request: HttpRequest) -> None:
    # No column holds a NUL (PostgreSQL refuses it with an error): refuse it here, before anything reads it.
    fields = list(request.GET.lists()) + (list(request.POST.lists()) if request.method == "POST" else [])
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in fields):
        raise Refused(400, _("Values must not contain NUL characters."))


def _param(request: HttpRequest, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return str(source.get(name, "")).strip()


def _key(request: HttpRequest, *, required: bool) -> ApiKey | None:
    # In the body as the spec says, or (as some clients send it) in the address of a POST.
    given = _param(request, "api_key") or str(request.GET.get("api_key", "")).strip()
    if not given:
        if required:
            raise Refused(403, _("api_key: an API key is required to file a request."))
        return None
    key = apikeys.api_key_authenticate(given)
    if key is None:
        raise Refused(403, _("api_key: the key is not valid or has been revoked."))
    return key


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else None


# --- discovery and services --------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest) -> HttpResponse:
    """GET discovery.json: where the API is and what it speaks."""
    return _json(
        {
            "changeset": CHANGESET,
            "contact": _("The city administrator of the community platform."),
            "key_service": _("API keys are issued by the city administrator (/cases/keys/)."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": request.build_absolute_uri("/open311/v2"),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json"],
                }
            ],
        }
    )


def _offered() -> QuerySet[ServiceItem]:
    """The services: items that are offered and concern a place. Items about a person are never here."""
    return ServiceItem.objects.filter(is_active=True, concerns_place=True).order_by("code")


def _attributes(item: ServiceItem) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for field in item.form:
        datatype = DATATYPES.get(field.get("type", ""))
        if datatype is None or field["name"] == DESCRIPTION_FIELD:
            continue  # files come as media, a person is never asked for; the description is the request's
        row: dict[str, Any] = {
            "variable": True,
            "code": field["name"],
            "datatype": datatype,
            "required": bool(field.get("required")),
            "datatype_description": _("A date as YYYY-MM-DD.") if field["type"] == "date" else "",
            "order": len(rows) + 1,
            "description": field["label"],
        }
        if datatype == "singlevaluelist":
            row["values"] = [{"key": choice, "name": choice} for choice in field.get("choices", [])]
        rows.append(row)
    return rows


@endpoint("GET")
def service_list(request: HttpRequest) -> HttpResponse:
    """GET services.json: the place items of the catalogue."""
    return _json(
        [
            {
                "service_code": item.code,
                "service_name": item.name,
                "description": item.description,
                "metadata": bool(_attributes(item)),
                "type": "realtime",
                "keywords": "",
                "group": item.open311_group,
            }
            for item in _offered()
        ]
    )


def _service(code: str) -> ServiceItem:
    item = _offered().filter(code=code[:40]).first()
    if item is None:
        raise Http404
    return item


@endpoint("GET")
def service_definition(request: HttpRequest, code: str) -> HttpResponse:
    """GET services/<service_code>.json: the item's form as attributes."""
    item = _service(code)
    return _json({"service_code": item.code, "attributes": _attributes(item)})


# --- where a request is ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    lon: float | None
    lat: float | None
    address: str


def _where(request: HttpRequest) -> Where:
    lat_text, lon_text, address = _param(request, "lat"), _param(request, "long"), _param(request, "address_string")
    if len(address) > ADDRESS_MAX:
        raise Refused(400, _("address_string: at most %(n)d characters.") % {"n": ADDRESS_MAX})
    if not lat_text and not lon_text:
        if not address:
            raise Refused(400, _("Say where the problem is: lat and long, or address_string."))
        return Where(None, None, address)
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise Refused(400, _("lat and long: give both, as decimal degrees (WGS-84).")) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Refused(400, _("lat and long: give both, as decimal degrees (WGS-84)."))
    return Where(lon, lat, address)


def _outside() -> Refused:
    return Refused(403, _("The place is outside the areas of this API key."))


def _around_point(areas: list[Area], lon: float, lat: float) -> list[Area]:
    """The key's areas whose district holds the point (districts are the finest outlines loaded, so a
    street or community of that district counts as holding it too)."""
    held = []
    for area in areas:
        place = placement(area=area, lon=lon, lat=lat, tolerance_m=PLACE_TOLERANCE_M)
        own = place.expected
        if own is None or own.boundary is None:
            continue  # a district without an outline: nothing to check the point against
        if (place.district is not None and place.district.pk == own.pk) or (place.district is None and place.fits):
            held.append(area)
    return held


def _named_in(address: str, within: list[Area]) -> Area | None:
    """The deepest district, street or community within ``within`` whose full name the address holds."""
    if not address:
        return None
    rows = Area.objects.filter(
        paths_filter("path", [a.path for a in within]),
        level__in=(Level.DISTRICT, Level.STREET, Level.COMMUNITY),
        is_active=True,
    ).only("pk", "name", "level", "path", "code")
    named = [area for area in rows if len(area.name) >= 2 and area.name in address]
    return max(named, key=lambda a: (a.level, len(a.name)), default=None)


def _names_elsewhere(address: str, areas: list[Area]) -> bool:
    """The address names a district that is none of the key's (nor holds one of them)."""
    for district in Area.objects.filter(level=Level.DISTRICT, is_active=True).only("name", "path"):
        if len(district.name) >= 2 and district.name in address:
            inside = any(district.path.startswith(a.path) or a.path.startswith(district.path) for a in areas)
            if not inside:
                return True
    return False


def _place_area(key: ApiKey, where: Where) -> Area:
    """Where the case is filed: within the key's areas, or the request is refused (403).

    A point must lie in the district of one of the key's areas; an address may then say which street or
    community (by its name). Without a point the address alone must name one of the key's areas or a
    place within them, unless the key names a single area."""
    areas = [a for a in key.areas.all() if a.is_active]
    if where.lon is not None and where.lat is not None:
        areas = _around_point(areas, where.lon, where.lat)
        if not areas:
            raise _outside()
    named = _named_in(where.address, areas)
    if named is not None:
        return named
    if where.lon is None and where.address and _names_elsewhere(where.address, areas):
        raise _outside()
    if len(areas) == 1:
        return areas[0]
    raise Refused(
        400,
        _("address_string: name which of this key's areas the place is in (%(names)s).")
        % {"names": "、".join(a.name for a in areas)},
    )


# --- service requests --------------------------------------------------------------------------------


def _attribute_values(request: HttpRequest) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in request.POST.items():
        match = _ATTRIBUTE.match(name)
        if match:
            values[match.group(1)] = str(value)
    return values


def _file(request: HttpRequest) -> HttpResponse:
    """POST requests.json: file a place request with an API key."""
    key = _key(request, required=True)
    assert key is not None
    code = _param(request, "service_code")
    if not code:
        raise Refused(400, _("service_code: choose a service."))
    item = _offered().filter(code=code[:40]).first()
    if item is None:
        raise Refused(400, _("service_code: there is no such service."))
    description = _param(request, "description")
    if len(description) > DESCRIPTION_MAX:
        raise Refused(400, _("description: at most %(n)d characters.") % {"n": DESCRIPTION_MAX})
    where = _where(request)
    area = _place_area(key, where)
    form: dict[str, Any] = _attribute_values(request)
    if any(f["name"] == DESCRIPTION_FIELD for f in item.form) and not form.get(DESCRIPTION_FIELD, "").strip():
        form[DESCRIPTION_FIELD] = description
    # The reporter's name, e-mail, phone and device are not asked for and not kept; media_url neither
    # (a link to a photo on someone else's server is not a material the city can keep).
    try:
        case = services.case_file(
            actor=None,
            channel=ChannelChoice.OPEN311,
            filing=services.Filing(
                item_code=item.code,
                form=form,
                description=description,
                lon=where.lon,
                lat=where.lat,
                address_text=where.address,
            ),
            place_area=area,
            api_key_id=key.pk,
        )
    except ValidationError as exc:
        raise Refused(400, *_messages(exc)) from None
    return _json([{"service_request_id": case.number, "token": case.number, "service_notice": ""}], status=201)


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out: list[str] = []
    for field, errors in exc.message_dict.items():
        for message in errors:
            out.append(message if field != DESCRIPTION_FIELD else _("description: %(m)s") % {"m": message})
    return out


def _visible(key: ApiKey | None) -> QuerySet[Case]:
    """The place requests this reader may see: all of them without a key (public, nothing personal is
    shown), with a key those of its areas and those it filed."""
    rows = Case.objects.filter(item__concerns_place=True).select_related("item")
    if key is None:
        return rows
    paths = [a.path for a in key.areas.all()]
    return rows.filter(paths_filter("area__path", paths) | Q(api_key=key))


def _status(case: Case) -> str:
    return "closed" if case.state in CLOSED_STATES else "open"


def _request_row(case: Case) -> dict[str, Any]:
    """A case as the spec's service request: nothing about a person, only the place and the state."""
    item = case.item
    assert item is not None
    return {
        "service_request_id": case.number,
        "status": _status(case),
        "status_notes": str(CaseState(case.state).label),
        "service_name": item.name,
        "service_code": item.code,
        "description": case.description,
        "agency_responsible": item.department,
        "service_notice": "",
        "requested_datetime": _iso(case.submitted_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.deadline_at),
        "address": case.address_text,
        "address_id": "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": "",
    }


def _moment(request: HttpRequest, name: str) -> datetime | None:
    text = _param(request, name)
    if not text:
        return None
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        moment = None
    # Years far off would overflow the arithmetic below (and no case is filed then).
    if moment is None or not 1900 <= moment.year <= 2999:
        raise Refused(400, _("%(name)s: give a date and time as in 2026-12-01T08:00:00+08:00.") % {"name": name})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _csv(request: HttpRequest, name: str, limit: int = 100) -> list[str]:
    values = [v.strip() for v in _param(request, name).split(",") if v.strip()]
    if len(values) > limit:
        raise Refused(400, _("%(name)s: at most %(n)d values.") % {"name": name, "n": limit})
    return values


def _search(request: HttpRequest) -> HttpResponse:
    """GET requests.json: by ids (then nothing else counts, as the spec says), or by service, status and
    dates (the last 90 days when none are given; a range of at most 90 days), newest first, at most 1,000."""
    rows = _visible(_key(request, required=False))
    ids = _csv(request, "service_request_id")
    if ids:
        rows = rows.filter(number__in=[i[:24] for i in ids])
    else:
        codes = _csv(request, "service_code")
        if codes:
            rows = rows.filter(item__code__in=[c[:40] for c in codes])
        statuses = set(_csv(request, "status"))
        if statuses - {"open", "closed"}:
            raise Refused(400, _("status: open or closed (or both, separated by a comma)."))
        if statuses == {"open"}:
            rows = rows.exclude(state__in=CLOSED_STATES)
        elif statuses == {"closed"}:
            rows = rows.filter(state__in=CLOSED_STATES)
        start, end = _moment(request, "start_date"), _moment(request, "end_date")
        span = timedelta(days=DEFAULT_DAYS)
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            assert end is not None
            start = end - span
        if end is None:
            end = start + span
        if end < start:
            raise Refused(400, _("end_date: it comes before start_date."))
        if end - start > span:
            raise Refused(400, _("start_date and end_date: at most %(n)d days apart.") % {"n": DEFAULT_DAYS})
        rows = rows.filter(submitted_at__gte=start, submitted_at__lte=end)
    cases = rows.order_by("-submitted_at", "-id")[:MAX_RESULTS]
    return _json([_request_row(case) for case in cases])


@endpoint("GET", "POST")
def requests(request: HttpRequest) -> HttpResponse:
    """requests.json: POST files a request (with a key), GET searches them."""
    return _file(request) if request.method == "POST" else _search(request)


@endpoint("GET")
def request_detail(request: HttpRequest, number: str) -> HttpResponse:
    """GET requests/<service_request_id>.json."""
    case = _visible(_key(request, required=False)).filter(number=number[:24]).first()
    if case is None:
        raise Http404
    return _json([_request_row(case)])


@endpoint("GET")
def token(request: HttpRequest, value: str) -> HttpResponse:
    """GET tokens/<token>.json. A request's id is known at once, so its token is its id: a client that
    asks anyway gets the id back."""
    case = _visible(_key(request, required=False)).filter(number=value[:24]).first()
    if case is None:
        raise Http404
    return _json([{"service_request_id": case.number, "token": value}])
