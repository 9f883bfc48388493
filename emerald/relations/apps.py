from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationsConfig(AppConfig):
    name = "emerald.relations"
    label = "relations"
    verbose_name = _("Relationships and security threat groups")

    def ready(self) -> None:
        from emerald.planning.loader import register_rivalries, register_traits
        from emerald.relations import permissions  # noqa: F401  (declares relationship.*, group.*)
        from emerald.relations.rules import planning_group_traits, planning_rivalries

        # The housing optimiser weighs rival groups in a cell or unit; it learns them from here.
        register_traits(planning_group_traits)
        register_rivalries(planning_rivalries)
