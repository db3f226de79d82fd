from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "shequ.residents"
    verbose_name = _("Resident population pool")

    def ready(self) -> None:
        from .search import reinstall_if_missing

        # SQLite drops a table's triggers when a migration rebuilds it: the bigram index must survive that.
        post_migrate.connect(reinstall_if_missing, sender=self)
