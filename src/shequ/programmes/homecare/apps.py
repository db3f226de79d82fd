"""Government-bought home care (居家养老服务): providers, monthly hours, orders dispatched to providers,
check-in and check-out, ratings, figures and coverage; the emergency call (一键呼叫)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomecareConfig(AppConfig):
    name = "shequ.programmes.homecare"
    label = "homecare"
    verbose_name = _("Homecare")

    def ready(self) -> None:
        from shequ.casework.kinds import CaseKind, register
        from shequ.lib.workdays import LimitUnit

        from . import services

        register(
            CaseKind(
                services.APPLICATION_KIND,
                _("Application for home care"),
                time_limit=10,
                on_transition=services.application_on_transition,
            )
        )
        register(
            CaseKind(
                services.ORDER_KIND,
                _("Home-care order"),
                time_limit=3,
                time_limit_unit=LimitUnit.CALENDAR_DAYS,
                on_transition=services.order_on_transition,
                may_act=services.case_may_act,
            )
        )
        register(CaseKind(services.COMPLAINT_KIND, _("Complaint about home care"), time_limit=5))
        register(
            CaseKind(
                services.EMERGENCY_KIND,
                _("Emergency call"),
                time_limit=15,
                time_limit_unit=LimitUnit.MINUTES,
                may_act=services.case_may_act,
            )
        )
