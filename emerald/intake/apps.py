from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "emerald.intake"
    label = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        from emerald.intake import permissions  # noqa: F401  (declares intake.*, vulnerability.*, ...)
        from emerald.intake.hooks import connect
        from emerald.intake.selectors import planning_traits
        from emerald.planning.loader import register_traits

        # The housing optimiser keeps vulnerable people away from violent ones; it learns both from here.
        register_traits(planning_traits)
        # A reassessment after every submitted incident that involves a person in custody.
        connect()
