from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "emerald.security"
    label = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from emerald.security import checks, permissions, signals  # noqa: F401
