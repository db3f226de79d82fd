# The relation to the head becomes the GB/T 4761-2008 family relation code, and 民族 the GB/T 3304 name.
# Existing values are mapped here: a child and a child-in-law by the person's sex (the old list did not
# tell a son from a daughter); known short forms of 民族 ("汉", "蒙古") become the standard name, and
# anything else is left as it was (to be corrected on the person's page). The one-head constraint is
# dropped and made again around the change: its condition names the head's value.

from django.db import migrations, models

# Old value -> new code; a pair is (male, female).
OLD_TO_CODE = {
    "head": "02",
    "spouse": "10",
    "child": ("20", "30"),
    "parent": "50",
    "grandchild": "40",
    "grandparent": "60",
    "sibling": "70",
    "child_in_law": ("28", "38"),
    "other": "80",
}
# Back again by the code's first digit (the standard's groups); 01 本人 and 02 户主 are the head.
GROUP_TO_OLD = {"0": "head", "1": "spouse", "2": "child", "3": "child", "4": "grandchild", "5": "parent"}
GROUP_TO_OLD |= {"6": "grandparent", "7": "sibling"}
IN_LAW_CODES = {"28", "38"}

ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族",
    "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip
SHORT_ETHNICITY = {name.removesuffix("族"): name for name in ETHNICITIES} | {"蒙族": "蒙古族", "维族": "维吾尔族"}


def to_codes(apps, schema_editor):
    Person = apps.get_model("residents", "Person")
    for old, code in OLD_TO_CODE.items():
        if isinstance(code, tuple):
            Person.objects.filter(relation=old, sex="M").update(relation=code[0])
            Person.objects.filter(relation=old).update(relation=code[1])
        else:
            Person.objects.filter(relation=old).update(relation=code)
    for short, name in SHORT_ETHNICITY.items():
        Person.objects.filter(ethnicity=short).update(ethnicity=name)


def to_old_values(apps, schema_editor):
    Person = apps.get_model("residents", "Person")
    for code in {value for value in Person.objects.exclude(relation="").values_list("relation", flat=True)}:
        old = "child_in_law" if code in IN_LAW_CODES else GROUP_TO_OLD.get(code[:1], "other")
        Person.objects.filter(relation=code).update(relation=old)


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0005_search"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="person", name="household_one_head"),
        migrations.RunPython(to_codes, to_old_values),
        migrations.AlterField(
            model_name="person",
            name="ethnicity",
            field=models.CharField(
                blank=True,
                choices=[(name, name) for name in [*ETHNICITIES, "其他", "外国血统中国籍人士"]],
                max_length=20,
                verbose_name="ethnicity",
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="relation",
            field=models.CharField(
                blank=True,
                choices=[
                    ("01", "本人"),
                    ("02", "户主"),
                    ("10", "配偶"),
                    ("11", "夫"),
                    ("12", "妻"),
                    ("20", "子"),
                    ("21", "独生子"),
                    ("22", "长子"),
                    ("23", "次子"),
                    ("24", "三子"),
                    ("25", "四子"),
                    ("26", "五子"),
                    ("27", "养子或继子"),
                    ("28", "女婿"),
                    ("29", "其他儿子"),
                    ("30", "女"),
                    ("31", "独生女"),
                    ("32", "长女"),
                    ("33", "次女"),
                    ("34", "三女"),
                    ("35", "四女"),
                    ("36", "五女"),
                    ("37", "养女或继女"),
                    ("38", "儿媳"),
                    ("39", "其他女儿"),
                    ("40", "孙子、孙女或外孙子、外孙女"),
                    ("41", "孙子"),
                    ("42", "孙女"),
                    ("43", "外孙子"),
                    ("44", "外孙女"),
                    ("45", "孙媳妇或外孙媳妇"),
                    ("46", "孙女婿或外孙女婿"),
                    ("47", "曾孙子或外曾孙子"),
                    ("48", "曾孙女或外曾孙女"),
                    ("49", "其他孙子、孙女或外孙子、外孙女"),
                    ("50", "父母"),
                    ("51", "父亲"),
                    ("52", "母亲"),
                    ("53", "公公"),
                    ("54", "婆婆"),
                    ("55", "岳父"),
                    ("56", "岳母"),
                    ("57", "继父或养父"),
                    ("58", "继母或养母"),
                    ("59", "其他父母关系"),
                    ("60", "祖父母或外祖父母"),
                    ("61", "祖父"),
                    ("62", "祖母"),
                    ("63", "外祖父"),
                    ("64", "外祖母"),
                    ("65", "配偶的祖父母或外祖父母"),
                    ("66", "曾祖父"),
                    ("67", "曾祖母"),
                    ("68", "配偶的曾祖父母或外曾祖父母"),
                    ("69", "其他祖父母或外祖父母关系"),
                    ("70", "兄弟姐妹"),
                    ("71", "兄"),
                    ("72", "嫂"),
                    ("73", "弟"),
                    ("74", "弟媳"),
                    ("75", "姐姐"),
                    ("76", "姐夫"),
                    ("77", "妹妹"),
                    ("78", "妹夫"),
                    ("79", "其他兄弟姐妹"),
                    ("80", "其他"),
                    ("81", "伯父"),
                    ("82", "伯母"),
                    ("83", "叔父"),
                    ("84", "婶母"),
                    ("85", "舅父"),
                    ("86", "舅母"),
                    ("87", "姨父"),
                    ("88", "姨母"),
                    ("89", "姑父"),
                    ("90", "姑母"),
                    ("91", "堂兄弟、堂姐妹"),
                    ("92", "表兄弟、表姐妹"),
                    ("93", "侄子"),
                    ("94", "侄女"),
                    ("95", "外甥"),
                    ("96", "外甥女"),
                    ("97", "其他亲属"),
                    ("99", "非亲属"),
                ],  # fmt: skip
                max_length=16,
                verbose_name="relation to the head",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relation", "02"), ("status", "active")),
                fields=("household",),
                name="household_one_head",
            ),
        ),
    ]
