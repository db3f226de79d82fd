"""The targets the children's figures are read against, as data an administrator corrects afterwards
(a second run adds only what is missing). Sources and grades as docs' rules-and-indicators gives them."""

from decimal import Decimal

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TARGETS = [
    {
        "code": "minor_protection_station_coverage",
        "name": "未成年人保护工作站覆盖率（街道/乡镇）",
        "value": Decimal("70"),
        "unit": "%",
        "year": 2025,
        "source": "MISSION R15（项目需求：2025年覆盖70%）；全国统一覆盖目标未确立（rules-and-indicators §6、§8.6），部署时按本地规划核定",
        "grade": "none",
    },
    {
        "code": "child_care_coverage",
        "name": "留守儿童、困境儿童、散居孤儿关爱服务覆盖率",
        "value": Decimal("100"),
        "unit": "%",
        "year": 2025,
        "source": "MISSION R15（关爱服务覆盖率100%）；“十四五”公共服务规划：孤儿和事实无人抚养儿童应保尽保 http://m.syhzkj.cn/redian/2022/0112/32453.html",
        "grade": "C",
    },
    {
        "code": "childcare_places_per_1000",
        "name": "每千人口拥有3岁以下婴幼儿托位数",
        "value": Decimal("4.5"),
        "unit": "托位/千人",
        "year": 2025,
        "source": "“十四五”公共服务规划（2022年1月，全国）：每千人口3岁以下托位4.5个 http://m.syhzkj.cn/redian/2022/0112/32453.html（新闻转载）",
        "grade": "C",
    },
]


def add_targets(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Target = apps.get_model("children", "Target")
    for row in TARGETS:
        Target.objects.get_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("children", "0001_initial")]

    operations = [migrations.RunPython(add_targets, migrations.RunPython.noop)]
