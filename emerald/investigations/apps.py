from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestigationsConfig(AppConfig):
    name = "emerald.investigations"
    label = "investigations"
    verbose_name = _("Investigations")

    def ready(self) -> None:
        from emerald.investigations import permissions  # noqa: F401
        from emerald.investigations.selectors import register_visibility

        register_visibility()
