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
    path("incidents/", include("emerald.incidents.urls")),
    path("investigations/", include("emerald.investigations.urls")),
    path("lockdowns/", include("emerald.lockdowns.urls")),
    path("health/", include("emerald.health.urls")),
    path("discipline/", include("emerald.discipline.urls")),
    path("legal/", include("emerald.legal.urls")),
    path("security/", include("emerald.security.urls")),
    path("movements/", include("emerald.movements.urls")),
    path("intake/", include("emerald.intake.urls")),
    path("relations/", include("emerald.relations.urls")),
    path("education/", include("emerald.education.urls")),
    path("council/", include("emerald.council.urls")),
    path("plans/", include("emerald.planning.urls")),
    path("", include("emerald.core.urls")),
]
