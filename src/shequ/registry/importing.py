"""Importing a resident roster: every row checked first; then all rows written in one transaction.

A file with any bad row changes nothing and yields an error report. A file already imported changes
nothing the second time. A changed row updates the person and adds a history entry. Killing the process
mid-way leaves the database as it was (the write is one transaction), and running the job again finishes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.areas.models import Area, Level
from shequ.audit.services import record_event
from shequ.privacy.crypto import blind_index

from .models import Address, Household, ImportJob, Person, PersonChange, PersonStatus, Relation
from .roster import RosterFileError, RosterRow, check_row, error_report, map_header, read_roster
from .selectors import editable_community

Progress = Callable[[str, int, int], None]  # phase, done, total
BATCH = 2000
# Person fields a roster row sets; a difference in any of them is an update.
ROW_FIELDS = ("name", "phone", "sex", "birth_date", "residence_type", "ethnicity", "relation", "moved_in_on")


def _insert(model, objects: list) -> None:
    """Insert many new rows. On PostgreSQL through COPY, which is several times faster than INSERT for
    large rosters; every value still goes through its field (encryption, blind index, defaults)."""
    if connection.vendor != "postgresql" or len(objects) < BATCH:
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])


def progress_key(job_id: int) -> str:
    return f"shequ:import:{job_id}:progress"


def job_progress(job: ImportJob) -> dict:
    """What the page shows while a job runs (kept in the cache: the write transaction hides it)."""
    return cache.get(progress_key(job.pk)) or {"phase": job.status, "done": 0, "total": job.total_rows}


@transaction.atomic
def import_create(*, actor, community_code: str, filename: str, content: bytes) -> ImportJob:
    """Register an upload for a community the actor may edit; running it is `import_run`."""
    community = editable_community(actor=actor, code=community_code)
    job = ImportJob.objects.create(
        area=community,
        actor=actor,
        # A file name is shown on pages: printable characters only (PostgreSQL cannot even store NUL).
        filename="".join(ch for ch in filename if ch.isprintable())[:200] or "roster",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    record_event(actor=actor, action="registry.import_upload", obj=job, data={"bytes": len(content)})
    return job


def _set_status(job: ImportJob, status: str, **fields) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, **fields)
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)


def import_run(*, job_id: int, progress: Progress | None = None) -> ImportJob:
    """Check and write one import job. Safe to call again on a job that crashed."""
    job = ImportJob.objects.select_related("area", "actor").get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.REJECTED):
        return job

    def report(phase: str, done: int, total: int) -> None:
        cache.set(progress_key(job.pk), {"phase": phase, "done": done, "total": total}, 3600)
        if progress:
            progress(phase, done, total)

    _set_status(job, ImportJob.Status.CHECKING)
    try:
        header, raw_rows = read_roster(bytes(job.content), job.filename)
        mapping = map_header(header)
    except RosterFileError as exc:
        return _reject(job, header=[], rows=[], message=str(exc))
    rows = _check_rows(job, mapping, raw_rows, report)
    bad = [r for r in rows if r.errors]
    if not rows:
        return _reject(job, header=header, rows=[], message=_("The file has no data rows."))
    if bad:
        return _reject(
            job,
            header=header,
            rows=rows,
            message=_("%(bad)d of %(total)d rows have errors; nothing was imported.")
            % {"bad": len(bad), "total": len(rows)},
        )
    _set_status(job, ImportJob.Status.WRITING, total_rows=len(rows))
    with transaction.atomic():
        counts = write_rows(actor=job.actor, community=job.area, rows=rows, report=report)
        record_event(actor=job.actor, action="registry.import_done", obj=job, data=counts)
    if counts["created"] >= BATCH:
        # A large load changes the tables' shape more than the database notices by itself; without
        # fresh statistics the planner keeps treating the pool as empty and searches turn into scans.
        with connection.cursor() as cursor:
            for table in ("registry_person", "registry_address", "registry_household"):
                cursor.execute(f"ANALYZE {table}")
    _set_status(
        job,
        ImportJob.Status.DONE,
        finished_at=timezone.now(),
        **counts,
        message=_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % counts,
    )
    report("done", len(rows), len(rows))
    return job


def _check_rows(job, mapping, raw_rows, report) -> list[RosterRow]:
    community = job.area
    grids = community_grids(community)
    today = timezone.localdate()
    rows: list[RosterRow] = []
    first_seen: dict[str, int] = {}
    for number, cells in enumerate(raw_rows, start=2):
        if not any(cells):
            continue  # blank lines at the end of a sheet
        raw = {column.key: (cells[i] if i < len(cells) else "") for i, column in mapping.items()}
        row = RosterRow(number=number, raw=raw)
        check_row(row, grids=grids, today=today)
        number_id = row.values.get("id_number")
        if number_id and "id_number" not in row.errors:
            if number_id in first_seen:
                row.errors["id_number"] = _("The same identity number is on row %(row)d.") % {
                    "row": first_seen[number_id]
                }
            else:
                first_seen[number_id] = number
        rows.append(row)
        if len(rows) % BATCH == 0:
            report("checking", len(rows), 0)
    mark_registered_elsewhere(community, rows)
    return rows


def community_grids(community: Area) -> dict[str, Area]:
    return {g.name: g for g in Area.objects.filter(parent=community, level=Level.GRID, is_active=True)}


def mark_registered_elsewhere(community: Area, rows: list[RosterRow]) -> None:
    """Someone registered in another community must move out there first; which one is not said,
    since that community may lie outside the importer's area."""
    indexes = {blind_index(r.values["id_number"], purpose="id_number"): r for r in rows if not r.errors}
    elsewhere = (
        Person.objects.filter(id_number_index__in=list(indexes))
        .exclude(area__path__startswith=community.path)
        .exclude(status=PersonStatus.MOVED_OUT)
    )
    for index in elsewhere.values_list("id_number_index", flat=True).iterator():
        indexes[index].errors["id_number"] = _(
            "This person is registered in another community; record the move out there first."
        )


def _reject(job, *, header, rows, message) -> ImportJob:
    with transaction.atomic():
        _set_status(
            job,
            ImportJob.Status.REJECTED,
            finished_at=timezone.now(),
            message=message[:300],
            total_rows=len(rows),
            error_rows=sum(1 for r in rows if r.errors),
            report=error_report(header, rows, file_error="" if rows else message),
        )
        record_event(
            actor=job.actor,
            action="registry.import_rejected",
            obj=job,
            data={"rows": len(rows), "error_rows": job.error_rows},
        )
    return job


def write_rows(*, actor, community: Area, rows: list[RosterRow], report: Progress | None = None) -> dict:
    """Write checked rows into a community: create or update people, addresses, households and history.
    Call inside the transaction that also records the audit event."""
    report = report or (lambda phase, done, total: None)
    today = timezone.localdate()
    addresses = {
        (a.area_id, a.street_address, a.building, a.unit, a.room): a
        for a in Address.objects.filter(area__path__startswith=community.path)
    }
    households = {h.number or f"address:{h.address_id}": h for h in Household.objects.filter(area=community)}
    existing = {
        p.id_number_index: p
        for p in Person.objects.filter(area__path__startswith=community.path).select_related("household")
    }
    # Addresses, then households, are created in bulk before the people who point at them.
    new_addresses = []
    for row in rows:
        v = row.values
        area = v["grid"] or community
        key = v["address_key"] = (area.pk, v["street_address"], v["building"], v["unit"], v["room"])
        if key not in addresses:
            addresses[key] = Address(area=area, street_address=key[1], building=key[2], unit=key[3], room=key[4])
            new_addresses.append(addresses[key])
    Address.objects.bulk_create(new_addresses, batch_size=BATCH)
    new_households = []
    for row in rows:
        v = row.values
        address = addresses[v["address_key"]]
        # A row without a household number forms a household with the others at its address.
        key = v["household_key"] = v["household_number"] or f"address:{address.pk}"
        if key not in households:
            households[key] = Household(area=community, address=address, number=v["household_number"])
            new_households.append(households[key])
    Household.objects.bulk_create(new_households, batch_size=BATCH)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new_people, changed_people, history = [], [], []
    for done, row in enumerate(rows, start=1):
        v = row.values
        area = v["grid"] or community
        address = addresses[v["address_key"]]
        household = households[v["household_key"]]
        wanted = {f: v[f] for f in ROW_FIELDS}
        wanted["relation"] = wanted["relation"] or (Relation.HEAD if not v["household_number"] else "")
        person = existing.get(blind_index(v["id_number"], purpose="id_number"))
        if person is None:
            person = Person(
                area=area,
                id_number=v["id_number"],
                household=household,
                address=address,
                status=PersonStatus.ACTIVE,
                **wanted,
            )
            new_people.append(person)
            counts["created"] += 1
        else:
            changed = [f for f, value in wanted.items() if getattr(person, f) != value]
            moved = person.area_id != area.pk or person.address_id != address.pk or person.household_id != household.pk
            returned = person.status != PersonStatus.ACTIVE
            if changed or moved or returned:
                for f in changed:
                    setattr(person, f, wanted[f])
                person.area, person.address, person.household = area, address, household
                person.status, person.left_on = PersonStatus.ACTIVE, None
                changed_people.append(person)
                history.append(
                    PersonChange(
                        person=person,
                        kind=PersonChange.Kind.MOVED_IN if returned else PersonChange.Kind.UPDATED,
                        on=today,
                        to_area=area,
                        actor=actor,
                        changes={"fields": changed + (["address"] if moved else [])},
                    )
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        if done % BATCH == 0:
            report("writing", done, len(rows))
    _insert(Person, new_people)
    if new_people and new_people[0].pk is None:  # COPY returns no keys: look them up by blind index
        keys = {}
        for start in range(0, len(new_people), BATCH):
            batch = [p.id_number_index for p in new_people[start : start + BATCH]]
            keys.update(Person.objects.filter(id_number_index__in=batch).values_list("id_number_index", "pk"))
        for person in new_people:
            person.pk = keys[person.id_number_index]
    Person.objects.bulk_update(
        changed_people, ["area", "address", "household", "status", "left_on", *ROW_FIELDS], batch_size=BATCH
    )
    history += [
        PersonChange(
            person=p, kind=PersonChange.Kind.REGISTERED, on=p.moved_in_on or today, to_area=p.area, actor=actor
        )
        for p in new_people
    ]
    _insert(PersonChange, history)
    return counts
