from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "shequ.imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # Each installed app may offer importers in its own ``importers`` module, found the way the
        # admin finds ``admin`` modules: the imports app never imports a domain by name.
        from .registry import discover

        discover()
