"""Checking who a named person is (in custody, staff, outside, unknown): shared by incidents and investigations."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import User
from emerald.incidents.models import PartyKind
from emerald.people.models import Person


def resolve_person(value: Any) -> Person | None:
    """A Person, from a Person or an inmate number; None if there is no such person."""
    if isinstance(value, Person):
        return value
    number = str(value or "").strip().upper()
    if not number:
        return None
    return Person.objects.filter(inmate_number=number).first()


def resolve_user(value: Any) -> User | None:
    if isinstance(value, User):
        return value
    if isinstance(value, int):
        return User.objects.filter(pk=value).first()
    username = str(value or "").strip()
    if not username:
        return None
    return User.objects.filter(username=username).first()


def clean_party(
    data: dict[str, Any], errors: dict[str, list[str]], prefix: str = ""
) -> dict[str, Any]:
    """Validate one party's identity; returns the fields to store. Messages go to ``errors[prefix + field]``."""

    def err(field: str, message: str) -> None:
        errors.setdefault(f"{prefix}{field}", []).append(message)

    kind = str(data.get("kind") or "").strip()
    name = " ".join(str(data.get("name") or "").split())
    description = str(data.get("description") or "").strip()
    out: dict[str, Any] = {"kind": kind, "person": None, "staff_user": None, "name": "", "description": ""}
    if len(name) > 200:
        err("name", _("At most 200 characters."))
    if len(description) > 300:
        err("description", _("At most 300 characters."))
    if kind not in PartyKind.values:
        err("kind", _("Choose in custody, staff, outside or unknown."))
        return out
    if kind == PartyKind.IN_CUSTODY:
        raw = data.get("person")
        person = resolve_person(raw)
        if person is None:
            err("person", _("No person with this inmate number.") if raw else _("Give the inmate number."))
        out["person"] = person
        out["description"] = description
    elif kind == PartyKind.STAFF:
        raw = data.get("staff_user")
        user = resolve_user(raw) if raw not in (None, "") else None
        if raw not in (None, "") and user is None:
            err("staff_user", _("No staff member with this username."))
        elif user is None and not name:
            err("name", _("Give a staff member's username, or the name and position of staff without an account."))
        out.update(staff_user=user, name="" if user else name, description=description)
    elif kind == PartyKind.OUTSIDE:
        if not name:
            err("name", _("Give the person's name."))
        out.update(name=name, description=description)
    else:
        out["description"] = description
    return out
