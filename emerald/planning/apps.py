from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "emerald.planning"
    label = "planning"
    verbose_name = _("Housing plans")

    def ready(self) -> None:
        from emerald.planning import permissions  # noqa: F401  (declares plan.* actions)
