from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MovementsConfig(AppConfig):
    name = "emerald.movements"
    label = "movements"
    verbose_name = _("Movements, transfers, counts and escapes")

    def ready(self) -> None:
        from emerald.movements import permissions  # noqa: F401
