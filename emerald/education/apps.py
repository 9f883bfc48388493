from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    name = "emerald.education"
    label = "education"
    verbose_name = _("Education")

    def ready(self) -> None:
        from emerald.education import permissions  # noqa: F401  (declares education.*, course.*, enrolment.*)
        from emerald.education.selectors import planning_traits
        from emerald.education.services import on_placement_change
        from emerald.housing.services import register_after_placement_change
        from emerald.planning.loader import register_traits

        # A student sent to segregation or out of the facility is suspended, one released is ended: in the
        # same transaction as the move.
        register_after_placement_change(on_placement_change)
        # The housing optimiser keeps students near the unit their course is held in.
        register_traits(planning_traits)
