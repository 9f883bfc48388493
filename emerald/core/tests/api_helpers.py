"""A small JSON client for the API tests: one bearer token per user, JSON in and out."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from emerald.accounts.services import token_issue
from emerald.audit.models import AuditEntry, Outcome

BASE = "/api/v1"


def fast_password_hashing(settings) -> None:
    """Every test makes eight users; the production hasher costs seconds per test on a shared machine.

    The API tests check who may do what, not how passwords are stretched.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Api:
    """Calls /api/v1 as one user (or anonymously)."""

    def __init__(self, user: Any = None, token: str | None = None):
        self.client = Client()
        self.user = user
        self.token = token
        if user is not None and token is None:
            self.token, _ = token_issue(actor=user)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, params: dict[str, Any] | None = None):
        return self.client.get(BASE + path, params or {}, headers=self._headers())

    def post(self, path: str, body: Any = None, *, raw: str | bytes | None = None):
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(BASE + path, data=data, content_type="application/json", headers=self._headers())

    def patch(self, path: str, body: Any = None):
        return self.client.patch(BASE + path, data=json.dumps(body or {}), content_type="application/json",
                                 headers=self._headers())

    def call(self, method: str, path: str, body: Any = None):
        if method == "GET":
            return self.get(path)
        if method == "PATCH":
            return self.patch(path, body)
        return self.post(path, body)


def api_factory(users: dict[str, Any]):
    """For a module's ``api_as`` fixture: ``api_as("officer")`` → an :class:`Api` as that role's user."""
    cache: dict[str, Api] = {}

    def make(role: str) -> Api:
        if role not in cache:
            cache[role] = Api(users[role])
        return cache[role]

    return make


def success_count() -> int:
    return AuditEntry.objects.filter(outcome=Outcome.SUCCESS).count()


def assert_error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    return body
