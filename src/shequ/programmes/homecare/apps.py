from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecareConfig(AppConfig):
    name = "shequ.programmes.homecare"
    label = "homecare"
    verbose_name = _("Homecare")
