from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisciplineConfig(AppConfig):
    name = "emerald.discipline"
    label = "discipline"
    verbose_name = _("Discipline")

    def ready(self) -> None:
        from emerald.discipline import permissions  # noqa: F401
        from emerald.housing.purposes import register_qualifier

        # A segregation sanction in force is what a segregation unit is for (emerald/housing/purposes.py).
        register_qualifier("segregation", _under_segregation)


def _under_segregation(person_ids: list[int]) -> list[int]:
    from emerald.discipline.models import Sanction, SanctionKind, SanctionStatus

    return list(Sanction.objects.filter(person_id__in=person_ids, kind=SanctionKind.SEGREGATION,
                                        status=SanctionStatus.ACTIVE).values_list("person_id", flat=True))
