"""The JSON API root (django-ninja): routers of every area are mounted here.

The contract is /work/shared/API.md (and docs/api.md); the OpenAPI document is
served at /api/v1/openapi.json and the browsable docs at /api/v1/docs.
"""

from emerald.core.api_support import BearerAuth, EmeraldAPI, install_error_handlers

api = EmeraldAPI(
    title="Emerald API",
    version="1",
    urls_namespace="api",
    auth=BearerAuth(),
    description="Who is where, who must be kept apart, and who did and saw what. See docs/api.md.",
)
install_error_handlers(api)


def _mount() -> None:
    from emerald.accounts.api import router as accounts
    from emerald.audit.api import router as audit
    from emerald.facilities.api import router as facilities
    from emerald.housing.api import router as housing
    from emerald.people.api import router as people

    api.add_router("/auth", accounts, tags=["auth"])
    api.add_router("/people", people, tags=["people"])
    api.add_router("/", facilities, tags=["facilities"])
    api.add_router("/", housing, tags=["housing"])
    api.add_router("/audit", audit, tags=["audit"])
    api.add_router("/incidents", "emerald.incidents.api.router", tags=["incidents"])
    api.add_router("/investigations", "emerald.investigations.api.router", tags=["investigations"])
    api.add_router("/lockdowns", "emerald.lockdowns.api.router", tags=["lockdowns"])
    api.add_router("/rehousing", "emerald.lockdowns.api.rehousing_router", tags=["rehousing"])
    api.add_router("/tokens", "emerald.security.api.tokens_router", tags=["tokens"])
    api.add_router("/sessions", "emerald.security.api.sessions_router", tags=["sessions"])
    api.add_router("/health", "emerald.health.api.router", tags=["health"])
    api.add_router("/discipline", "emerald.discipline.api.router", tags=["discipline"])
    api.add_router("/legal", "emerald.legal.api.router", tags=["legal"])
    api.add_router("/", "emerald.relations.api.router", tags=["relationships and groups"])
    api.add_router("/intake", "emerald.intake.api.router", tags=["intake"])
    api.add_router("/education", "emerald.education.api.router", tags=["education"])
    api.add_router("/council", "emerald.council.api.router", tags=["council"])
    api.add_router("/", "emerald.movements.api.router", tags=["movements"])
    api.add_router("/plans", "emerald.planning.api.router", tags=["housing plans"])


_mount()
