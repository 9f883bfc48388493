from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "emerald.housing"
    label = "housing"
    verbose_name = _("Housing")

    def ready(self) -> None:
        from emerald.housing import visibility

        # What a reader may know of a keep-apart order is decided in one place: emerald/housing/visibility.py.
        visibility.register()
