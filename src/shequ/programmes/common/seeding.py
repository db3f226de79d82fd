"""The programmes each programme app ships (``<app>/data/programmes.json``), loaded into the database
once: an administrator edits them from then on, and a second load adds only what is missing.

Format: {"programmes": [{"code", "name", "domain", "description", "per_household", "restricted",
"review_months", "visit_grace_days", "rules": [criteria + "name"], "benefits": [{"code", "name",
"category", "unit", "ordering", "rules": [criteria + "name", "amount", "provides"]}], "visit_rules":
[criteria + "name", "interval_days"]}]}. Criteria: "min_age", "below_age", "tags", "disability_grades",
"living_alone", "area" (an area code, or absent for everywhere), "valid_from", "valid_to", "source".
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction

from shequ.areas.models import Area

from .models import Benefit, BenefitRule, EligibilityRule, Programme, VisitRule

_CRITERIA = ("min_age", "below_age", "tags", "disability_grades", "living_alone", "source")


def _criteria(row: dict[str, Any]) -> dict[str, Any]:
    values = {key: row[key] for key in _CRITERIA if key in row}
    values["valid_from"] = datetime.date.fromisoformat(row.get("valid_from", "2020-01-01"))
    values["valid_to"] = datetime.date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None
    values["area"] = Area.objects.get(code=row["area"]) if row.get("area") else None
    values["name"] = row["name"]
    return values


def seed_files() -> list[Path]:
    """The seed file of every installed programme app, in the order the apps are installed."""
    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("shequ.programmes."):
            path = Path(config.path) / "data" / "programmes.json"
            if path.exists():
                found.append(path)
    return found


@transaction.atomic
def load_programmes(paths: list[Path] | None = None) -> int:
    """Create the programmes not yet in the database, with their rules, benefits and visit rules."""
    created = 0
    for path in paths if paths is not None else seed_files():
        for entry in json.loads(path.read_text(encoding="utf-8"))["programmes"]:
            if Programme.objects.filter(code=entry["code"]).exists():
                continue
            programme = Programme.objects.create(
                code=entry["code"],
                name=entry["name"],
                domain=entry["domain"],
                description=entry.get("description", ""),
                per_household=entry.get("per_household", False),
                restricted=entry.get("restricted", False),
                review_months=entry.get("review_months", 12),
                visit_grace_days=entry.get("visit_grace_days", 3),
            )
            for rule in entry.get("rules", []):
                EligibilityRule.objects.create(programme=programme, **_criteria(rule))
            for order, benefit_row in enumerate(entry.get("benefits", [])):
                benefit = Benefit.objects.create(
                    programme=programme,
                    code=benefit_row["code"],
                    name=benefit_row["name"],
                    category=benefit_row.get("category", ""),
                    unit=benefit_row.get("unit", ""),
                    ordering=benefit_row.get("ordering", order),
                )
                for rule in benefit_row.get("rules", []):
                    BenefitRule.objects.create(
                        benefit=benefit, amount=rule.get("amount"), provides=rule.get("provides", ""), **_criteria(rule)
                    )
            for rule in entry.get("visit_rules", []):
                VisitRule.objects.create(programme=programme, interval_days=rule["interval_days"], **_criteria(rule))
            created += 1
    return created
