from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "emerald.discipline"
    label = "discipline"
    verbose_name = _("Discipline")

    def ready(self) -> None:
        from emerald.discipline import permissions  # noqa: F401
