from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "emerald.legal"
    label = "legal"
    verbose_name = _("Legal matters")

    def ready(self) -> None:
        from emerald.legal import permissions  # noqa: F401
