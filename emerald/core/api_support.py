"""What every router of the JSON API shares: bearer auth, the error shape, pagination, common schemas.

Every answer that is not a success has the shape ``{"error", "detail"}`` (plus
``fields`` for 400 and whatever a :class:`~emerald.core.errors.ServiceError`
carries, such as ``conflicts``), so clients branch on one stable code. See
../../docs/api.md and /work/shared/API.md.
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import UTC, date, datetime
from typing import Annotated, Any, cast

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern, URLResolver, re_path
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from pydantic import BeforeValidator, ConfigDict

from emerald.accounts.services import token_authenticate
from emerald.audit.services import set_request_ip
from emerald.core.errors import ServiceError
from emerald.core.network import client_address
from emerald.core.visibility import set_reader

log = logging.getLogger("emerald.api")

MAX_ID = 2**63 - 1  # the largest primary key either database stores; larger ids are malformed, not 500s
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


# --------------------------------------------------------------------------- errors


def error_response(status: int, code: str, detail: str, **extra: Any) -> JsonResponse:
    response = JsonResponse({"error": code, "detail": str(detail), **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


def _field_name(loc: tuple | list) -> str:
    """The client-facing name of the field a Ninja/pydantic error points at.

    Ninja locations look like ("body", "payload", "aliases", 0) or ("query", "limit");
    the client knows only the top-level field of its JSON body or query string.
    """
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:]  # ("body", <parameter name>, field, ...)
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    named = [str(p) for p in parts if not isinstance(p, int)]
    return named[0] if named else "body"


def _message(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "")) or _("Invalid value.")
    # pydantic prefixes messages of custom validators; the prefix means nothing to a client.
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        messages = fields.setdefault(_field_name(error.get("loc", ())), [])
        message = _message(error)
        if message not in messages:
            messages.append(message)
    return fields


def _on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(400, "invalid", _("Some fields need correcting."), fields=validation_fields(exc.errors))


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return error_response(401, "not_authenticated", _("Send a valid token: Authorization: Bearer <token>."))
    if exc.status_code == 400:
        if isinstance(exc.__cause__, LoneSurrogate):
            return error_response(400, "invalid", _("The request body holds text that is not valid Unicode "
                                                    "(a lone surrogate such as \\ud800)."),
                                  fields={"body": [_("Not valid Unicode text.")]})
        # Ninja raises this for a body that is not JSON at all.
        return error_response(400, "invalid", _("The request body is not valid JSON."), fields={"body": [str(exc)]})
    if exc.status_code == 403:
        return error_response(403, "forbidden", str(exc))
    if exc.status_code == 404:
        return error_response(404, "not_found", _("Not found."))
    return error_response(exc.status_code, "error", str(exc))


def _on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", _("Not found."))


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A bug, never the client's fault: log the traceback, answer in the API's shape.
    log.exception("unhandled error in %s %s", request.method, request.path)
    return error_response(500, "server_error", _("Something went wrong on the server; nothing was saved."))


class LoneSurrogate(ValueError):
    """A JSON string holds half of a UTF-16 surrogate pair (``"\\ud800"``): not text, and no database stores it."""


def _no_lone_surrogates(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise LoneSurrogate(str(exc)) from exc
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_lone_surrogates(k)
            _no_lone_surrogates(v)
    elif isinstance(value, list):
        for v in value:
            _no_lone_surrogates(v)


class StrictJSONParser(Parser):
    """JSON bodies as text: a lone surrogate anywhere answers 400 instead of failing at the database."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        _no_lone_surrogates(data)
        return cast(dict[str, Any], data)


def _on_too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(413, "too_large", _("The request body is too large."))


def _on_unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(400, "invalid", _("The request body cannot be read."))


def install_error_handlers(api: NinjaAPI) -> None:
    api.add_exception_handler(RequestDataTooBig, _on_too_big)
    api.add_exception_handler(TooManyFieldsSent, _on_unreadable)
    api.add_exception_handler(MultiPartParserError, _on_unreadable)
    api.add_exception_handler(ServiceError, _on_service_error)
    api.add_exception_handler(ValidationError, _on_validation_error)
    api.add_exception_handler(HttpError, _on_http_error)
    api.add_exception_handler(Http404, _on_404)
    api.add_exception_handler(Exception, _on_unexpected)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Every path under the API that names no route."""
    return error_response(404, "not_found", _("There is no such API route: %(path)s") % {"path": request.path})


def _api_root(request: HttpRequest, api: NinjaAPI, *args: Any, **kwargs: Any) -> HttpResponse:
    base = request.path
    return JsonResponse({"name": api.title, "version": api.version, "docs": base + "docs",
                         "openapi": base + "openapi.json"})


def client_ip(request: HttpRequest) -> str:
    return client_address(request)


def _wrap_view(view: Any) -> Any:
    """Remember the client address for audit entries, and answer a wrong method in the API's shape."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        set_request_ip(client_ip(request))
        try:
            response = view(request, *args, **kwargs)
        finally:
            # The address is kept per thread: never let it leak into the next request.
            set_request_ip("")
        if isinstance(response, HttpResponseNotAllowed):
            allow = response["Allow"]
            response = error_response(405, "method_not_allowed",
                                      _("This route accepts only: %(methods)s.") % {"methods": allow})
            response["Allow"] = allow
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapped


class EmeraldAPI(NinjaAPI):
    """A NinjaAPI whose every route records the client address and whose unknown routes answer JSON 404."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", StrictJSONParser())
        super().__init__(**kwargs)

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        result: list[URLPattern | URLResolver] = []
        for item in super()._get_urls():
            if isinstance(item, URLPattern):
                # Ninja's root page is HTML; the API's root answers JSON pointing at the docs.
                callback = functools.partial(_api_root, api=self) if item.name == "api-root" else item.callback
                item = URLPattern(item.pattern, _wrap_view(callback), item.default_args, item.name)
            result.append(item)
        # Last, so it only catches what no route matched.
        result.append(re_path(r"^.*$", _wrap_view(not_found_view), name="not-found"))
        return result


# --------------------------------------------------------------------------- auth


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>``; a disabled user's tokens stop working at once."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # With the request, the token's scopes are checked against the path's area (emerald/security/scopes.py).
        user = token_authenticate(token, request=request)
        if user is None:
            return None
        request.user = user
        # From here on the request is read by the token's owner (emerald/core/visibility.py).
        set_reader(user)
        return user


def actor(request: HttpRequest) -> Any:
    """The authenticated staff member making the request."""
    return request.auth  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- input types


def _no_nul(value: Any) -> Any:
    # PostgreSQL refuses NUL characters in text; refuse them as bad input instead of failing with a 500.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(_("Text must not contain NUL characters."))
    if isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    if isinstance(value, dict):
        for item in value.values():
            _no_nul(item)
    return value


class In(Schema):
    """Base of every request body: unknown fields are refused (a typo must not be silently ignored).

    Text fields use :data:`Text`, which refuses NUL characters.
    """

    model_config = ConfigDict(extra="forbid")


def _iso_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str):
            raise ValueError(_("Enter a date and time in ISO 8601 with an offset, e.g. 2026-03-01T14:05:00Z."))
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                _("Enter a date and time in ISO 8601 with an offset, e.g. 2026-03-01T14:05:00Z.")
            ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(_("Give the time with an offset (e.g. Z or +01:00): a time without one is ambiguous."))
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(_("Enter a real date and time.")) from None
    if not 1900 <= moment.year <= 9000:
        raise ValueError(_("Enter a real date and time."))
    return moment


def _iso_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None


#: An aware datetime in ISO 8601 (naive times and numbers are refused), returned in UTC.
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
#: A calendar date as YYYY-MM-DD.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
#: A database id: positive and small enough for a bigint.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, BeforeValidator(_no_nul)]
#: An inmate number in a path: longer than any stored number, or with NUL characters, is malformed.
InmateNumber = Annotated[str, BeforeValidator(_no_nul), Field(max_length=64)]


class PageQuery(Schema):
    """``?limit=`` (1..500, default 50) and ``?offset=``; base of every list's query."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="at most 500")
    offset: int = Field(0, ge=0, le=2**53)


def paginate(items: Any, page: PageQuery, serialize: Any) -> dict[str, Any]:
    """``{"count", "items"}`` for a queryset or list; ``serialize`` turns one page of rows into dicts."""
    count = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    rows = list(items[page.offset: page.offset + page.limit])
    return {"count": count, "items": serialize(rows)}


# --------------------------------------------------------------------------- shared output schemas


class PersonRef(Schema):
    """A person as the reader may see them (``emerald.people.visibility.person_ref``)."""

    inmate_number: str | None = Field(..., description="null for a person the reader may not know")
    name: str = Field(..., description='the name, or "a person you may not see"')
    hidden: bool = Field(False, description="true for a person the reader may not know: counted, not named")


class ConflictOut(Schema):
    non_association_id: int
    other: PersonRef
    scope: str
    reason: str
    where: str = Field(..., description="code of the cell, unit or facility the two would share")


class ErrorOut(Schema):
    error: str = Field(..., description="stable machine-readable code")
    detail: str = Field(..., description="what went wrong, for a person")
    fields: dict[str, list[str]] | None = Field(None, description="400 invalid only: messages per field")
    conflicts: list[ConflictOut] | None = Field(None, description="409 keep_apart only: the orders the change breaks")
    non_association_id: int | None = Field(None, description="409 already_exists only: the open order of the pair")


def username(user: Any) -> str | None:
    return getattr(user, "username", None) if user is not None else None


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers of an operation, for the OpenAPI document."""
    return dict.fromkeys(codes, ErrorOut)


try:  # django-ninja >= 1.7 deprecates returning (status, body) tuples
    from ninja import Status as _Status
except ImportError:  # pragma: no cover - older django-ninja
    _Status = None


def with_status(status: int, data: Any) -> Any:
    """An answer with a status other than 200 (``201`` for creations)."""
    return _Status(status, data) if _Status is not None else (status, data)
