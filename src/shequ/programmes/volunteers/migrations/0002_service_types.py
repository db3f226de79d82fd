"""The service types a volunteer offers at first (an officer edits them from then on)."""

from typing import Any

from django.db import migrations

TYPES = [
    ("companionship", "陪伴聊天", 10),
    ("shopping", "代购", 20),
    ("clinic_escort", "陪诊", 30),
    ("other", "其他", 90),
]


def add(apps: Any, schema_editor: Any) -> None:
    ServiceType = apps.get_model("volunteers", "ServiceType")
    for code, name, ordering in TYPES:
        ServiceType.objects.get_or_create(code=code, defaults={"name": name, "ordering": ordering})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
