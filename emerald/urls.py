"""URL map: the staff UI at /, the JSON API at /api/v1."""

from django.urls import include, path

from emerald.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("emerald.accounts.urls")),
    path("units/", include("emerald.facilities.urls")),
    path("people/", include("emerald.people.urls")),
    path("housing/", include("emerald.housing.urls")),
    path("audit/", include("emerald.audit.urls")),
    path("", include("emerald.core.urls")),
]
