"""The whole story: every chapter of every area present plays after the baseline, through the services."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from emerald.audit.verify import verify_chain
from emerald.demo import chapters, oz

pytestmark = pytest.mark.django_db
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def story(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            ran: list[str] = []
            result = oz.load(progress=lambda msg: ran.append(msg))
            yield result, ran
            transaction.set_rollback(True)


def test_every_present_chapter_step_ran(story):
    result, said = story
    assert result.loaded, result.message
    expected = [step for _, step in chapters.TIMELINE if chapters._resolve(step) is not None]
    ran = [line.split(": ", 1)[1] for line in said if line.startswith("chapter ")]
    assert ran == expected


def test_story_leaves_a_verifiable_audit_chain_and_consistent_housing(story):
    from django.db.models import Count

    from emerald.housing.models import Placement
    from emerald.people.models import Person, PersonStatus

    assert verify_chain().ok
    # Everyone in custody has exactly one open placement; nobody else has one.
    open_by_person = dict(
        Placement.objects.filter(end_at__isnull=True).values("person_id").annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    assert all(n == 1 for n in open_by_person.values())
    in_custody = set(Person.objects.filter(status=PersonStatus.IN_CUSTODY).values_list("id", flat=True))
    assert set(open_by_person) == in_custody


def test_the_riot_dead_are_deceased_and_emerald_city_reopened(story):
    from emerald.facilities.models import Unit
    from emerald.people.models import Person, PersonStatus

    if chapters._resolve("emerald.incidents.demo:load_chapter_1") is None:
        pytest.skip("incidents area absent")
    assert Person.objects.filter(status=PersonStatus.DECEASED).count() >= 6
    assert Unit.objects.get(code="EC").status == "open"


def test_a_plan_for_emerald_city_awaits_review(story):
    """The optimiser's plan is left as a preview: every proposed move is safe and nothing has moved."""
    from emerald.housing.models import Placement
    from emerald.planning.models import ItemStatus, Plan, PlanStatus

    plan = Plan.objects.get()
    assert plan.status == PlanStatus.PREVIEW and plan.created_by.username == "mcmanus"
    items = list(plan.items.all())
    assert items and all(i.status == ItemStatus.PROPOSED for i in items)
    for item in items:
        assert not Placement.objects.filter(person=item.person, cell=item.to_cell, end_at__isnull=True,
                                            start_at__gte=plan.created_at).exists()
