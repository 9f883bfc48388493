from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "emerald.council"
    label = "council"
    verbose_name = _("Unit council")

    def ready(self) -> None:
        from emerald.council import permissions  # noqa: F401  (declares council.*, unit_rules.publish)
