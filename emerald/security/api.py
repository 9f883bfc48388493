"""API: scoped tokens (``/tokens``) and sessions (``/sessions``).

A token's scopes are checked on every call (area = first path segment); making
a token needs ``tokens:write`` and cannot widen the caller's own scopes.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from emerald.accounts.models import ApiToken, User
from emerald.accounts.permissions import allowed
from emerald.core.api_support import (
    Id,
    In,
    IsoDateTime,
    PageQuery,
    Text,
    actor,
    errors,
    paginate,
    username,
    with_status,
)
from emerald.core.errors import NotFound
from emerald.security import scopes as scope_rules
from emerald.security import selectors, services
from emerald.security.models import UserSession

tokens_router = Router()
sessions_router = Router()


class SecurityTokenOut(Schema):
    id: int
    owner: str
    kind: str
    name: str
    prefix: str = Field(..., description="the first characters after emr_, to recognise the token")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenPage(Schema):
    count: int
    items: list[SecurityTokenOut]


class TokenCreateIn(In):
    name: Text = Field(..., min_length=1, max_length=100)
    scopes: list[Text] = Field(..., min_length=1, max_length=50,
                               description='e.g. ["people:read", "housing:write"], "*:read" or "*"')
    expires_at: IsoDateTime | None = Field(None, description="default: 90 days; at most 365 days")


class TokenCreatedOut(SecurityTokenOut):
    token: str = Field(..., description="the raw token: shown only in this answer")


class TokenQuery(PageQuery):
    user: str | None = Field(None, max_length=150, description="administrators: one user's tokens")
    all: bool = Field(False, description="include revoked and expired tokens")


class RevokeIn(In):
    reason: Text = Field("", max_length=200)


class AreasOut(Schema):
    areas: list[str]
    scopes: list[str]


def _token(t: ApiToken) -> dict:
    return {"id": t.pk, "owner": t.user.username, "kind": t.kind, "name": t.name, "prefix": t.prefix,
            "scopes": list(t.scopes or []), "created_at": t.created_at, "expires_at": t.expires_at,
            "last_used_at": t.last_used_at, "revoked_at": t.revoked_at}


def _user_filter(request: HttpRequest, name: str | None):
    if not name:
        return None
    user = User.objects.filter(username=name).first()
    if user is None or (user.pk != actor(request).pk and not allowed(actor(request), "token.manage")):
        raise NotFound("Not found.")
    return user


@tokens_router.get("", response={200: TokenPage, **errors(400, 401, 403)}, summary="List API tokens")
def token_list(request: HttpRequest, q: Query[TokenQuery]):
    """Your own tokens; administrators see everyone's (``?user=`` for one person)."""
    qs = selectors.tokens_for(actor=actor(request), user=_user_filter(request, q.user), include_inactive=q.all)
    return paginate(qs, q, lambda rows: [_token(t) for t in rows])


@tokens_router.get("/areas", response={200: AreasOut, **errors(401, 403)}, summary="Areas a scope can name")
def token_areas(request: HttpRequest):
    areas = list(scope_rules.known_areas())
    return {"areas": areas, "scopes": ["*", "*:read"] + [f"{a}:{x}" for a in areas for x in ("read", "write")]}


@tokens_router.post("", response={201: TokenCreatedOut, **errors(400, 401, 403)}, summary="Make an API token")
def token_create(request: HttpRequest, payload: TokenCreateIn):
    held = getattr(getattr(request, "api_token", None), "scopes", None)
    raw, token = services.token_create(actor=actor(request), name=payload.name, scopes=list(payload.scopes),
                                       expires_at=payload.expires_at, held_scopes=held)
    return with_status(201, {**_token(token), "token": raw})


@tokens_router.delete("/{token_id}", response={200: SecurityTokenOut, **errors(400, 401, 403, 404)},
                      summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: Id):
    """Your own token, or anyone's for administrators; others get 404."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound("Not found.")
    token = services.token_revoke(actor=actor(request), token=token, reason="revoked through the API")
    return _token(token)


class SecuritySessionOut(Schema):
    id: int
    user: str | None
    started_at: datetime
    last_seen_at: datetime
    ip: str
    user_agent: str


class SessionPage(Schema):
    count: int
    items: list[SecuritySessionOut]


class SecurityEndIn(In):
    reason: Text = Field(..., min_length=1, max_length=200)


def _session(s: UserSession) -> dict:
    return {"id": s.pk, "user": username(s.user), "started_at": s.started_at, "last_seen_at": s.last_seen_at,
            "ip": s.ip, "user_agent": s.user_agent}


@sessions_router.get("", response={200: SessionPage, **errors(400, 401, 403)}, summary="List active sessions")
def session_list(request: HttpRequest, q: Query[PageQuery]):
    """Your own browser sessions; administrators see everyone's."""
    return paginate(selectors.active_sessions(actor=actor(request)), q, lambda rows: [_session(s) for s in rows])


@sessions_router.post("/{session_id}/end", response={200: SecuritySessionOut, **errors(400, 401, 403, 404)},
                      summary="End a session now")
def session_end(request: HttpRequest, session_id: Id, payload: SecurityEndIn):
    session = UserSession.objects.select_related("user").filter(pk=session_id).first()
    if session is None:
        raise NotFound("Not found.")
    return _session(services.session_end(actor=actor(request), session=session, reason=payload.reason))
