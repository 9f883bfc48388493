from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "emerald.health"
    label = "health"
    verbose_name = _("Health")

    def ready(self) -> None:
        from emerald.health import permissions  # noqa: F401
        from emerald.health.needs import custody_needs_check, custody_needs_traits
        from emerald.housing.rules import register_cell_check

        # Housing asks this check before every admission and move (and the move dialog shows its answer);
        # it never imports this app.
        register_cell_check(custody_needs_check)
        from emerald.health.needs import medical_bed_qualifier
        from emerald.housing.purposes import register_qualifier

        register_qualifier("medical", medical_bed_qualifier)
        try:
            from emerald.planning.loader import register_traits
        except ImportError:  # pragma: no cover - planning not installed
            return
        register_traits(custody_needs_traits)
