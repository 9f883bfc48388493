from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Oz demo loader. No models: everything it makes goes through the other areas' services."""

    name = "emerald.demo"
    label = "demo"
    verbose_name = _("Demo data")
