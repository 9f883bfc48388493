from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "emerald.people"
    label = "people"
    verbose_name = _("People in custody")

    def ready(self) -> None:
        from emerald.people import visibility

        # Whether a reader may know a person is decided in one place: emerald/people/visibility.py.
        visibility.register()
