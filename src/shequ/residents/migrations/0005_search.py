# Substring search: the last four digits of each phone get a blind index of their own (existing phones are
# indexed here), and names and addresses an index of character bigrams (shequ.residents.search). The
# bigram index comes last: on SQLite adding the column rebuilds the people's table, which drops triggers.

from django.db import migrations, models

import shequ.residents.search
from shequ.residents.search import install, uninstall

BATCH = 2000


def index_phone_tails(apps, schema_editor):
    Person = apps.get_model("residents", "Person")
    field = Person._meta.get_field("phone_tail_index")
    batch = []
    for person in Person.objects.exclude(phone="").only("pk", "row_key", "phone").iterator(chunk_size=BATCH):
        person.phone_tail_index = field.index_of(person.phone)
        batch.append(person)
        if len(batch) == BATCH:
            Person.objects.bulk_update(batch, ["phone_tail_index"])
            batch = []
    Person.objects.bulk_update(batch, ["phone_tail_index"])


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0004_household_one_head"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="phone_tail_index",
            field=shequ.residents.search.PhoneTailIndexField(purpose="phone_tail", source="phone"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["phone_tail_index"], name="person_phone_tail_index"),
        ),
        migrations.RunPython(index_phone_tails, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(lambda apps, editor: install(editor), lambda apps, editor: uninstall(editor)),
    ]
