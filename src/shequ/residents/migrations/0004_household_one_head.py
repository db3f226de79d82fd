from django.db import migrations, models


def demote_extra_heads(apps, schema_editor):
    """Households saved with two heads keep the first registered; the others become "other", to be
    corrected on the household's page (the constraint below could not be added otherwise)."""
    Person = apps.get_model("residents", "Person")
    seen = set()
    heads = Person.objects.filter(relation="head", status="active", household__isnull=False).order_by(
        "household_id", "pk"
    )
    for pk, household_id in heads.values_list("pk", "household_id").iterator():
        if household_id in seen:
            Person.objects.filter(pk=pk).update(relation="other")
        seen.add(household_id)


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0001_initial"),
        ("residents", "0003_person_row_key"),
    ]

    operations = [
        migrations.RunPython(demote_extra_heads, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(
                condition=models.Q(("relation", "head"), ("status", "active")),
                fields=("household",),
                name="household_one_head",
            ),
        ),
    ]
