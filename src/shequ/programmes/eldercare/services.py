"""Every write of the eldercare programmes beyond the core's: a family care bed and its service visits, an
age-friendly retrofit with its stages and photos, and the retrofit target. Keyword-only, the actor first,
atomic, audited in the same transaction; each scopes its own reads from the actor through the core's
``access`` (enrolling goes through the core's ``enrol``, which checks eligibility)."""

from __future__ import annotations

import datetime
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import User
from shequ.areas.models import Area
from shequ.audit.services import record_event
from shequ.casework.files import BoundedReader, TooLarge, sniff_type
from shequ.entities.models import LegalEntity
from shequ.lib.capabilities import Capability
from shequ.lib.geo import valid_point
from shequ.lib.scoping import granted_paths
from shequ.privacy.sealed import open_sealed, seal_stream
from shequ.programmes.common import access
from shequ.programmes.common import services as core
from shequ.programmes.common.models import Enrolment, EnrolmentState

from .models import (
    STAGE_ORDER,
    BedVisit,
    FamilyBed,
    RetrofitItem,
    RetrofitPhoto,
    RetrofitProject,
    RetrofitStage,
    RetrofitStep,
    RetrofitTarget,
)

FAMILY_BED = "family_bed"
RETROFIT = "retrofit"
CARE_PLAN_MAX_ITEMS = 20
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png"}


def files_dir() -> Any:
    """Where retrofit photos are stored sealed (outside the static root)."""
    return settings.SHEQU_ELDERCARE_FILES_DIR


def photo_max_bytes() -> int:
    return settings.SHEQU_ELDERCARE_PHOTO_MAX_BYTES


def photos_per_project() -> int:
    return settings.SHEQU_ELDERCARE_PHOTOS_PER_PROJECT


def _managed_enrolment(actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment the actor runs (locked), or a 404."""
    found = (
        access.enrolments_visible(actor, Capability.PROGRAMME_MANAGE)
        .select_for_update(of=("self",))
        .select_related("programme", "area", "person")
        .filter(pk=enrolment_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _not_future(on: datetime.date, field: str) -> None:
    if on > timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the future.")})


# ---- family care beds --------------------------------------------------------------------------------


def _care_plan(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    plan = []
    for row in rows:
        item, frequency = str(row.get("item", "")).strip(), str(row.get("frequency", "")).strip()
        if not item and not frequency:
            continue
        if not item or not frequency or len(item) > 50 or len(frequency) > 50:
            raise ValidationError(
                {
                    "care_plan": _(
                        "Each line of the care plan names a service and how often (at most 50 characters each)."
                    )
                }
            )
        plan.append({"item": item, "frequency": frequency})
    if not plan:
        raise ValidationError({"care_plan": _("The care plan lists at least one service.")})
    if len(plan) > CARE_PLAN_MAX_ITEMS:
        raise ValidationError(
            {"care_plan": _("The care plan lists at most %(n)d services.") % {"n": CARE_PLAN_MAX_ITEMS}}
        )
    return plan


def _provider(provider_id: int, area: Area) -> LegalEntity:
    """A legal entity of the person's city (a provider elsewhere is not one this city contracts)."""
    provider = LegalEntity.objects.select_related("area").filter(pk=provider_id).first()
    city = area.path.split("/")[1]
    if provider is None or provider.area.path.split("/")[1] != city:
        raise ValidationError({"provider": _("Choose a provider registered in this city.")})
    return provider


@transaction.atomic
def family_bed_open(
    *,
    actor: User,
    person_id: int,
    provider_id: int,
    set_up_on: datetime.date,
    care_plan: list[dict[str, str]],
    note: str = "",
) -> FamilyBed:
    """Set up a family care bed: enrol the person in ``family_bed`` (eligible on the day), with the
    contracted provider (also the enrolment's provider) and the care plan."""
    _not_future(set_up_on, "set_up_on")
    plan = _care_plan(care_plan)
    enrolment = core.enrol(actor=actor, programme_code=FAMILY_BED, person_id=person_id, on=set_up_on, note=note)
    provider = _provider(provider_id, enrolment.area)
    core.provider_contract(actor=actor, enrolment_id=enrolment.pk, entity_id=provider.pk)
    bed = FamilyBed.objects.create(
        enrolment=enrolment, provider=provider, set_up_on=set_up_on, care_plan=plan, created_by=actor
    )
    record_event(
        actor=actor,
        action="eldercare.bed_open",
        obj=bed,
        data={"enrolment": enrolment.pk, "provider": provider.pk, "items": len(plan)},
    )
    return bed


def _bed_for(actor: User, bed_id: int, capability: str) -> FamilyBed:
    """A bed whose enrolment the actor reaches with ``capability`` (locked), or a 404."""
    visible = access.enrolments_visible(actor, capability)
    bed = (
        FamilyBed.objects.select_for_update(of=("self",))
        .select_related("enrolment__area", "enrolment__programme", "provider")
        .filter(pk=bed_id, enrolment__in=visible)
        .first()
    )
    if bed is None:
        raise Http404
    return bed


@transaction.atomic
def bed_plan_update(*, actor: User, bed_id: int, care_plan: list[dict[str, str]]) -> FamilyBed:
    bed = _bed_for(actor, bed_id, Capability.PROGRAMME_MANAGE)
    bed.care_plan = _care_plan(care_plan)
    bed.save(update_fields=["care_plan"])
    record_event(actor=actor, action="eldercare.bed_plan", obj=bed, data={"items": len(bed.care_plan)})
    return bed


@transaction.atomic
def bed_visit_record(
    *,
    actor: User,
    bed_id: int,
    at: datetime.datetime,
    service: str,
    place: str = "",
    minutes: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> BedVisit:
    """Record a service visit the provider made to the bed: what, when (not in the future, not before the
    bed was set up) and where."""
    bed = _bed_for(actor, bed_id, Capability.PROGRAMME_MANAGE)
    if bed.enrolment.state == EnrolmentState.ENDED:
        raise ValidationError({"bed": _("This family care bed has been closed.")})
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("The date cannot be in the future.")})
    if timezone.localdate(at) < bed.set_up_on:
        raise ValidationError({"at": _("The visit cannot be before the bed was set up.")})
    service = service.strip()
    if not service or len(service) > 100:
        raise ValidationError({"service": _("Say what service was given (at most 100 characters).")})
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise ValidationError({"minutes": _("The duration is between 1 minute and 24 hours.")})
    if (lon is None) != (lat is None) or (lon is not None and lat is not None and not valid_point(lon, lat)):
        raise ValidationError({"place": _("The place the phone gave is not a valid position.")})
    visit = BedVisit.objects.create(
        bed=bed,
        at=at,
        service=service,
        place=place.strip()[:200],
        minutes=minutes,
        lon=lon,
        lat=lat,
        recorded_by=actor,
    )
    record_event(actor=actor, action="eldercare.bed_visit", obj=bed, data={"visit": visit.pk, "service": service})
    return visit


# ---- age-friendly retrofits --------------------------------------------------------------------------


@transaction.atomic
def retrofit_start(*, actor: User, person_id: int, on: datetime.date | None = None, note: str = "") -> RetrofitProject:
    """Open the retrofit of a person's household: the household joins ``retrofit`` (eligible on the day)
    and waits for its assessment."""
    enrolment = core.enrol(actor=actor, programme_code=RETROFIT, person_id=person_id, on=on, note=note)
    project = RetrofitProject.objects.create(enrolment=enrolment, area=enrolment.area, created_by=actor)
    record_event(actor=actor, action="eldercare.retrofit_start", obj=project, data={"enrolment": enrolment.pk})
    return project


def _project_for(actor: User, project_id: int, capability: str) -> RetrofitProject:
    visible = access.enrolments_visible(actor, capability)
    project = (
        RetrofitProject.objects.select_for_update(of=("self",))
        .select_related("enrolment__programme", "enrolment__person", "area")
        .filter(pk=project_id, enrolment__in=visible)
        .first()
    )
    if project is None:
        raise Http404
    return project


def _stage_label(stage: str) -> str:
    return str(RetrofitStage(stage).label)


@transaction.atomic
def retrofit_stage_record(
    *,
    actor: User,
    project_id: int,
    stage: str,
    done_on: datetime.date,
    note: str = "",
    item_codes: list[str] | None = None,
) -> RetrofitProject:
    """Record one stage, in order: the assessment (with the items chosen), the works, the acceptance.
    A stage out of order is refused with the stage still waiting; the acceptance completes the project
    and ends the household's enrolment."""
    project = _project_for(actor, project_id, Capability.PROGRAMME_MANAGE)
    if stage not in (RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE):
        raise ValidationError({"stage": _("Unknown stage.")})
    if project.stage == RetrofitStage.COMPLETED:
        raise ValidationError({"stage": _("This retrofit has been completed.")})
    if stage != project.stage:
        if STAGE_ORDER.index(RetrofitStage(stage)) < STAGE_ORDER.index(RetrofitStage(project.stage)):
            raise ValidationError({"stage": _("The %(stage)s is already recorded.") % {"stage": _stage_label(stage)}})
        raise ValidationError(
            {
                "stage": _("The %(waiting)s must be recorded before the %(stage)s.")
                % {"waiting": _stage_label(project.stage), "stage": _stage_label(stage)}
            }
        )
    _not_future(done_on, "done_on")
    last = project.steps.order_by("-done_on").first()
    earliest = last.done_on if last is not None else project.enrolment.started_on
    if done_on < earliest:
        raise ValidationError(
            {"done_on": _("The date cannot be before %(day)s (the previous step).") % {"day": earliest.isoformat()}}
        )
    if len(note) > 1000:
        raise ValidationError({"note": _("The note is at most 1,000 characters.")})
    if stage == RetrofitStage.ASSESSMENT:
        codes = sorted(set(item_codes or []))
        items = list(RetrofitItem.objects.filter(code__in=codes, is_active=True))
        if not codes or len(items) != len(codes):
            raise ValidationError({"items": _("Choose the items the assessment found needed.")})
        project.items.set(items)
    RetrofitStep.objects.create(project=project, stage=stage, done_on=done_on, done_by=actor, note=note.strip())
    project.stage = STAGE_ORDER[STAGE_ORDER.index(RetrofitStage(stage)) + 1]
    if stage == RetrofitStage.ACCEPTANCE:
        project.completed_on = done_on
    project.save(update_fields=["stage", "completed_on"])
    record_event(
        actor=actor,
        action="eldercare.retrofit_stage",
        obj=project,
        data={"stage": stage, "on": done_on.isoformat(), "items": item_codes or []},
    )
    if stage == RetrofitStage.ACCEPTANCE:
        core.enrolment_change(
            actor=actor, enrolment_id=project.enrolment_id, action="end", reason="适老化改造已验收", on=done_on
        )
    return project


def _photo_context(stored_name: str) -> str:
    return f"eldercare.retrofit_photo:{stored_name}"


def retrofit_photo_add(*, actor: User, project_id: int, stage: str, upload: IO[bytes], filename: str) -> RetrofitPhoto:
    """A photo of a stage done or under way (JPEG or PNG, read from its content; size bounded), stored
    sealed. Read and sealed before the short transaction that records it."""
    with transaction.atomic():
        project = _project_for(actor, project_id, Capability.PROGRAMME_MANAGE)
    if stage not in (RetrofitStage.ASSESSMENT, RetrofitStage.WORKS, RetrofitStage.ACCEPTANCE):
        raise ValidationError({"stage": _("Unknown stage.")})
    if STAGE_ORDER.index(RetrofitStage(stage)) > STAGE_ORDER.index(RetrofitStage(project.stage)):
        raise ValidationError({"stage": _("The %(stage)s has not begun yet.") % {"stage": _stage_label(stage)}})
    head = upload.read(16)
    content_type = sniff_type(head)
    if content_type not in PHOTO_TYPES:
        raise ValidationError({"file": _("Only JPEG and PNG photos are accepted.")})
    limit = photo_max_bytes()
    stored_name = uuid.uuid4().hex
    target = files_dir() / stored_name
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = BoundedReader(head, upload, limit)
    try:
        try:
            with open(target, "wb") as out:
                for piece in seal_stream(reader, context=_photo_context(stored_name)):  # type: ignore[arg-type]
                    out.write(piece)
        except TooLarge:
            raise ValidationError(
                {"file": _("The file is larger than %(mb)d MB.") % {"mb": limit // 1024 // 1024}}
            ) from None
        with transaction.atomic():
            project = _project_for(actor, project_id, Capability.PROGRAMME_MANAGE)
            if project.photos.count() >= photos_per_project():
                raise ValidationError({"file": _("This retrofit already has as many photos as it may have.")})
            base = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
            stem = "".join(ch for ch in base if ch.isalnum() or ch in "-_")
            photo = RetrofitPhoto.objects.create(
                project=project,
                stage=stage,
                filename=(stem[:80] or "photo") + PHOTO_EXTENSIONS[content_type],
                content_type=content_type,
                size=reader.size,
                sha256=reader.digest.hexdigest(),
                stored_name=stored_name,
                uploaded_at=timezone.now(),
                uploaded_by=actor,
            )
            record_event(
                actor=actor, action="eldercare.retrofit_photo", obj=project, data={"stage": stage, "photo": photo.pk}
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return photo


@transaction.atomic
def retrofit_photo_open(*, actor: User, photo_id: int) -> tuple[RetrofitPhoto, IO[bytes]]:
    """A photo's content for whoever reaches the project; every download is an audit event."""
    photo = RetrofitPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    project = _project_for(actor, photo.project_id, Capability.PROGRAMME_READ)
    record_event(actor=actor, action="eldercare.retrofit_photo_download", obj=project, data={"photo": photo.pk})
    stored = open(files_dir() / photo.stored_name, "rb")  # noqa: SIM115 (the caller streams it)
    return photo, open_sealed(stored, context=_photo_context(photo.stored_name))


# ---- the retrofit target -----------------------------------------------------------------------------


@transaction.atomic
def retrofit_target_save(
    *, actor: User, area_code: str, households: int, due_on: datetime.date, source: str
) -> RetrofitTarget:
    """Set a plan's target of retrofitted households for an area by a day (reference data: the city
    administrator's, in the area of their grant)."""
    area = Area.objects.filter(code=area_code).first()
    if area is None or not any(area.path.startswith(p) for p in granted_paths(actor, Capability.REFERENCE_EDIT)):
        raise ValidationError({"area": _("Choose an area within your own.")})
    if households <= 0:
        raise ValidationError({"households": _("The target is at least one household.")})
    if not source.strip():
        raise ValidationError({"source": _("Give the source of the target (the plan and its date).")})
    target, created = RetrofitTarget.objects.update_or_create(
        area=area, due_on=due_on, defaults={"households": households, "source": source.strip()[:300]}
    )
    record_event(
        actor=actor,
        action="eldercare.retrofit_target",
        obj=target,
        data={"households": households, "due_on": due_on.isoformat(), "new": created},
    )
    return target
