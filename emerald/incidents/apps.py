from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "emerald.incidents"
    label = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from emerald.incidents import permissions  # noqa: F401
        from emerald.incidents.selectors import register_visibility

        register_visibility()
