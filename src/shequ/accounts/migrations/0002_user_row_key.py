# Each row gets a stable key that its encrypted values are bound to (associated data), and the values
# already stored are re-sealed with it; a value moved to another row then no longer decrypts.

import django.db.models
from django.db import migrations

import shequ.privacy.fields
from shequ.privacy.migration import bind_to_rows

FIELDS = ["id_number", "phone"]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="row_key",
            field=django.db.models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(
            bind_to_rows("accounts.User", FIELDS), bind_to_rows("accounts.User", FIELDS, reverse=True), elidable=False
        ),
        migrations.AlterField(
            model_name="user",
            name="row_key",
            field=shequ.privacy.fields.RowKeyField(),
        ),
    ]
