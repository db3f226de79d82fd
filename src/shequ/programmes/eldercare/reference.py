"""The eldercare reference data shipped as files: the retrofit items (民发〔2020〕86号) and the plan's
retrofit targets. Loaded once (``manage.py load_eldercare_reference``); a second load adds only what is
missing, so an administrator's edits stay."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.db import transaction

from shequ.areas.models import Area

from .models import RetrofitItem, RetrofitTarget

DATA_DIR = Path(__file__).resolve().parent / "data"


@transaction.atomic
def eldercare_reference_load(*, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Add the items and targets not yet present; a target of an area not loaded here is skipped."""
    items = json.loads((data_dir / "retrofit_items.json").read_text(encoding="utf-8"))["items"]
    added_items = 0
    for order, row in enumerate(items):
        _item, created = RetrofitItem.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "category": row["category"],
                "basic": row["basic"],
                "ordering": order,
                "source": row.get("source", ""),
            },
        )
        added_items += created
    targets = json.loads((data_dir / "retrofit_targets.json").read_text(encoding="utf-8"))["targets"]
    added_targets = 0
    for row in targets:
        area = Area.objects.filter(code=row["area"]).first()
        if area is None:
            continue
        _target, created = RetrofitTarget.objects.get_or_create(
            area=area,
            due_on=datetime.date.fromisoformat(row["due_on"]),
            defaults={"households": row["households"], "source": row["source"]},
        )
        added_targets += created
    return {"items": added_items, "targets": added_targets}
