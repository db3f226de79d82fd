"""API keys of outside systems (Open311 clients): issued and revoked by the city administrator
(``Capability.API_KEYS_MANAGE``), each limited to the areas it names.

A key is ``<prefix>.<secret>``: the prefix (8 hex characters) tells keys apart in lists and logs; the
secret is 256 random bits. Only the prefix and a SHA-256 of the whole key are stored, so the key is shown
once, when issued. A slow password hash is not needed: the secret is random, not chosen by a person,
and cannot be guessed from its hash.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.lib.capabilities import Capability
from shequ.lib.scoping import require_capability

from .models import ApiKey

NAME_MAX = 80
AREAS_MAX = 10
# The levels a key may be limited to: a district, a street or a community (grids are too small for a
# city's hotline, and the city as a whole is not a limit).
AREA_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
# ``last_used_at`` is written at most this often per key: a busy client must not make every GET a write.
TOUCH_EVERY = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


# --- reads ---------------------------------------------------------------------------------------------


def api_keys(actor: User) -> QuerySet[ApiKey]:
    """The keys limited to areas within the actor's, newest first, with their areas."""
    require_capability(actor, Capability.API_KEYS_MANAGE)
    return (
        ApiKey.objects.filter(pk__in=ApiKey.objects.visible_to(actor).values("pk"))
        .select_related("created_by")
        .prefetch_related(Prefetch("areas", queryset=Area.objects.order_by("path")))
        .order_by("-created_at", "-id")
    )


def api_key_for(actor: User, key_id: int) -> ApiKey:
    key = api_keys(actor).filter(pk=key_id).first()
    if key is None:
        raise Http404
    return key


def api_key_authenticate(key: str) -> ApiKey | None:
    """The live (not revoked) key that ``key`` is, with its areas; None for anything else. Its last use is
    noted (at most once a minute): bookkeeping of the key itself, like an account's last sign-in, so not
    an audit event."""
    if not key or len(key) > 200:
        return None
    found = ApiKey.objects.filter(key_hash=key_hash(key), revoked_at__isnull=True).prefetch_related("areas").first()
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or found.last_used_at < now - TOUCH_EVERY:
        ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


# --- writes --------------------------------------------------------------------------------------------


def _issuable_areas(actor: User, codes: Iterable[str]) -> list[Area]:
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    if not wanted:
        raise ValidationError({"areas": _("Name at least one area the key is limited to.")})
    if len(wanted) > AREAS_MAX:
        raise ValidationError({"areas": _("A key names at most %(n)d areas.") % {"n": AREAS_MAX}})
    found = {
        area.code: area
        for area in Area.objects.visible_to(actor, Capability.API_KEYS_MANAGE).filter(
            code__in=wanted, level__in=AREA_LEVELS, is_active=True
        )
    }
    missing = [code for code in wanted if code not in found]
    if missing:
        raise ValidationError(
            {
                "areas": _("There is no district, street or community with the code %(code)s in your area.")
                % {"code": missing[0][:20]}
            }
        )
    return [found[code] for code in wanted]


@transaction.atomic
def api_key_issue(*, actor: User, name: str, area_codes: Iterable[str]) -> tuple[ApiKey, str]:
    """Issue a key to a named client, limited to the areas named (districts, streets, communities within
    the actor's). Returns the key and its full text, which is shown once and never stored."""
    require_capability(actor, Capability.API_KEYS_MANAGE)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the client the key is for.")})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": _("The client's name has at most %(n)d characters.") % {"n": NAME_MAX}})
    areas = _issuable_areas(actor, area_codes)
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # 4 billion prefixes: a repeat is rare
        prefix = secrets.token_hex(4)
    full = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(name=name, prefix=prefix, key_hash=key_hash(full), created_by=actor)
    key.areas.set(areas)
    # Filed under the first area; the data names them all (codes, no secret).
    record_event(
        actor=actor,
        action="casework.api_key_issue",
        obj=key,
        area=areas[0],
        data={"prefix": prefix, "name": name, "areas": [a.code for a in areas]},
    )
    return key, full


@transaction.atomic
def api_key_revoke(*, actor: User, key_id: int) -> ApiKey:
    """Revoke a key: from now on every request with it is refused (403). Revoking twice changes nothing."""
    require_capability(actor, Capability.API_KEYS_MANAGE)
    key = api_key_for(actor, key_id)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    first = key.areas.order_by("path").first()
    record_event(actor=actor, action="casework.api_key_revoke", obj=key, area=first, data={"prefix": key.prefix})
    return key
