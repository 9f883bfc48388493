from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockdownsConfig(AppConfig):
    name = "emerald.lockdowns"
    label = "lockdowns"
    verbose_name = _("Lockdowns and re-housing")

    def ready(self) -> None:
        from emerald.housing.rules import register_move_guard
        from emerald.lockdowns import permissions  # noqa: F401
        from emerald.lockdowns.guard import LockdownGuard

        # Housing asks every registered guard before any admission or move; it never imports this app.
        register_move_guard(LockdownGuard())
