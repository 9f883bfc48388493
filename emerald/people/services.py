"""Writes on people's identity records."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import require
from emerald.core.errors import Invalid
from emerald.core.services import service
from emerald.facilities.models import SecurityLevel
from emerald.people.models import Alias, Person, Sex

NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,31}$")
IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "gender_identity", "custody_level")


def _clean_aliases(aliases: list[str] | None, errors: dict[str, list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in aliases or []:
        if not isinstance(raw, str):
            errors.setdefault("aliases", []).append(_("Each alias is a name."))
            continue
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > 200:
            errors.setdefault("aliases", []).append(_("An alias is at most 200 characters."))
            continue
        seen.setdefault(name, None)
    return list(seen)


def _validate_identity(data: dict[str, Any], errors: dict[str, list[str]], *, partial: bool) -> None:
    for field in ("first_name", "last_name"):
        if field in data or not partial:
            value = " ".join(str(data.get(field) or "").split())
            if not value:
                errors.setdefault(field, []).append(_("This field is required."))
            elif len(value) > 100:
                errors.setdefault(field, []).append(_("At most 100 characters."))
            data[field] = value
    if "sex" in data or not partial:
        if data.get("sex") not in Sex.values:
            errors.setdefault("sex", []).append(_("Choose male or female."))
    if "custody_level" in data or not partial:
        if data.get("custody_level") not in SecurityLevel.values:
            errors.setdefault("custody_level", []).append(_("Choose minimum, medium or maximum."))
    if data.get("date_of_birth") is not None:
        dob = data["date_of_birth"]
        if not isinstance(dob, date):
            errors.setdefault("date_of_birth", []).append(_("Enter a date as YYYY-MM-DD."))
        elif dob > clock.now().date() or dob.year < 1900:
            errors.setdefault("date_of_birth", []).append(_("Enter a real date of birth."))
    if "gender_identity" in data:
        data["gender_identity"] = str(data.get("gender_identity") or "").strip()[:60]


@service("person.create")
def person_create(
    *,
    actor: Any,
    inmate_number: str,
    first_name: str,
    last_name: str,
    sex: str,
    custody_level: str,
    date_of_birth: date | None = None,
    gender_identity: str = "",
    aliases: list[str] | None = None,
) -> Person:
    """Create the record of a person (not yet admitted to custody)."""
    require(actor, "person.create", "person", inmate_number)
    errors: dict[str, list[str]] = {}
    number = (inmate_number or "").strip().upper()
    if not NUMBER_RE.match(number):
        errors["inmate_number"] = [_("Letters, digits and - _ / . only, at most 32 characters.")]
    elif Person.objects.filter(inmate_number=number).exists():
        errors["inmate_number"] = [_("A person with this inmate number exists.")]
    data: dict[str, Any] = {
        "first_name": first_name, "last_name": last_name, "sex": sex, "custody_level": custody_level,
        "date_of_birth": date_of_birth, "gender_identity": gender_identity,
    }
    _validate_identity(data, errors, partial=False)
    names = _clean_aliases(aliases, errors)
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    person = Person(inmate_number=number, created_at=clock.now(), **data)
    person.refresh_search_key(names)
    person._history_user = actor  # type: ignore[attr-defined]
    person.save()
    for name in names:
        alias = Alias(person=person, name=name)
        alias._history_user = actor  # type: ignore[attr-defined]
        alias.save()
    audit.record(actor=actor, action="person.create", object_type="person", object_id=number,
                 changes={**{k: data[k] for k in IDENTITY_FIELDS}, "aliases": names},
                 summary=f"created the record of {number} ({person.full_name})")
    return person


@service("person.update")
def person_update(*, actor: Any, person: Person, changes: dict[str, Any]) -> Person:
    """Change identity fields and/or replace the alias list. Previous values stay in the history."""
    require(actor, "person.update", "person", person.inmate_number)
    unknown = set(changes) - set(IDENTITY_FIELDS) - {"aliases"}
    if unknown:
        raise Invalid(_("Some fields cannot be changed here."),
                      fields={k: [_("Unknown or read-only field.")] for k in sorted(unknown)})
    person = Person.objects.select_for_update().get(pk=person.pk)
    errors: dict[str, list[str]] = {}
    data = {k: v for k, v in changes.items() if k != "aliases"}
    _validate_identity(data, errors, partial=True)
    names = _clean_aliases(changes.get("aliases"), errors) if "aliases" in changes else None
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    diff: dict[str, Any] = {}
    for key, value in data.items():
        old = getattr(person, key)
        if old != value:
            diff[key] = [old, value]
            setattr(person, key, value)
    if names is not None:
        old_names = sorted(person.aliases.values_list("name", flat=True))
        if sorted(names) != old_names:
            diff["aliases"] = [old_names, sorted(names)]
            for alias in person.aliases.exclude(name__in=names):
                alias._history_user = actor  # type: ignore[attr-defined]
                alias.delete()
            for name in set(names) - set(old_names):
                alias = Alias(person=person, name=name)
                alias._history_user = actor  # type: ignore[attr-defined]
                alias.save()
    if not diff:
        return person
    person.refresh_search_key(names)
    person._history_user = actor  # type: ignore[attr-defined]
    person.save()
    audit.record(actor=actor, action="person.update", object_type="person", object_id=person.inmate_number,
                 changes=diff, summary=f"changed {', '.join(diff)} of {person.inmate_number}")
    return person
