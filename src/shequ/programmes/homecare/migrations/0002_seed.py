"""The service types and the coverage target as first loaded: an administrator edits them from then on."""

import datetime
from decimal import Decimal

from django.db import migrations

SERVICE_TYPES = [
    ("meal", "助餐"),
    ("cleaning", "助洁"),
    ("bathing", "助浴"),
    ("medical", "助医"),
    ("daily_care", "生活照料"),
    ("rehabilitation", "康复护理"),
]


def seed(apps, schema_editor):
    ServiceType = apps.get_model("homecare", "ServiceType")
    for n, (code, name) in enumerate(SERVICE_TYPES):
        ServiceType.objects.get_or_create(code=code, defaults={"name": name, "ordering": n})
    CoverageTarget = apps.get_model("homecare", "CoverageTarget")
    if not CoverageTarget.objects.exists():
        CoverageTarget.objects.create(
            due_on=datetime.date(2025, 12, 31),
            percent=Decimal("100"),
            source="《“十四五”城乡社区服务体系建设规划》：2025年政府购买居家养老服务覆盖所有城市社区",
        )


class Migration(migrations.Migration):
    dependencies = [("homecare", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
