"""Demo data for education. Services only, clock frozen.

- :func:`load_chapter_2` (2026-05-25): the GED preparation course of the education officer (``teacher``)
  starts in Emerald City with Kenny Wangler and five others; a literacy course has a waiting list.
- :func:`load_chapter_3` (2026-05-25 to 2026-06-26): weekly sessions; Wangler's scores rise (41, 48, 57,
  66, 74); Simon Adebisi is enrolled on 1 June and seldom comes (he uses class time for other business).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.education import services
from emerald.education.models import Course, Enrolment, EnrolmentStatus
from emerald.housing.models import Placement
from emerald.people.models import Person, PersonStatus

LOCAL = ZoneInfo("America/New_York")
GED_CODE, LIT_CODE = "GED-2026", "LIT-2026"
WANGLER_SCORES = [41, 48, 57, 66, 74]
OTHER_SCORES = [[52, 55, 53, 58, 61], [35, 38, 44, 43, 49], [60, 62, 65, 64, 70], [45, 45, 50, 54, 52],
                [38, 42, 41, 47, 50]]


def _at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> Any:
    return clock.frozen_at(datetime(y, m, d, h, mi, tzinfo=LOCAL))


def _fresh(ctx: Any, key: str) -> Person | None:
    """The person as the database has them now (the context was read before earlier chapters ran)."""
    person = ctx.people.get(key)
    return Person.objects.filter(pk=person.pk).first() if person is not None else None


def _ec_residents(ctx: Any, count: int) -> list[Any]:
    """Generated Emerald City residents in custody (not the named characters), by inmate number."""
    named = {p.pk for p in ctx.people.values()}
    rows = (Placement.objects.filter(unit=ctx.units["EC"], end_at__isnull=True, person__status=PersonStatus.IN_CUSTODY)
            .exclude(person_id__in=named).select_related("person").order_by("person__inmate_number"))
    return [p.person for p in rows[:count]]


def _enrol(ctx: Any, course: Course, person: Any, requested: datetime, note: str = "") -> Enrolment:
    teacher, metzger = ctx.staff["teacher"], ctx.staff["metzger"]
    with clock.frozen_at(requested):
        e = services.enrolment_request(actor=metzger, course=course, person=person, note=note)
    with clock.frozen_at(requested + timedelta(days=1)):
        services.enrolment_decide(actor=teacher, enrolment=e, approve=True)
    with clock.frozen_at(requested + timedelta(days=2)):
        return services.enrolment_enrol(actor=teacher, enrolment=e)


def load_chapter_2(ctx: Any) -> Course:
    teacher = ctx.staff["teacher"]
    with _at(2026, 5, 19, 14):
        ged = services.course_create(
            actor=teacher, code=GED_CODE, name="GED preparation", kind="ged_prep", teacher=teacher,
            unit=ctx.units["EC"], schedule="Mon/Wed/Fri 09:00–11:00, Emerald City classroom", capacity=12,
            starts_on=date(2026, 5, 25), ends_on=date(2026, 12, 18), credential="GED")
        lit = services.course_create(
            actor=teacher, code=LIT_CODE, name="Reading and writing", kind="literacy", teacher=teacher,
            unit=ctx.units["EC"], schedule="Tue/Thu 13:00–14:30", capacity=8, starts_on=date(2026, 6, 2))
    requested = datetime(2026, 5, 20, 10, 0, tzinfo=LOCAL)
    wangler = _fresh(ctx, "wangler")
    if wangler is not None and wangler.status == PersonStatus.IN_CUSTODY:
        _enrol(ctx, ged, wangler, requested, note="wants his diploma before his parole hearing")
    for person in _ec_residents(ctx, 5):
        _enrol(ctx, ged, person, requested)
    with _at(2026, 5, 21, 11):
        for person in _ec_residents(ctx, 8)[5:]:
            services.enrolment_request(actor=ctx.staff["metzger"], course=lit, person=person)
    return ged


def load_chapter_3(ctx: Any) -> Course | None:
    ged = Course.objects.filter(code=GED_CODE).first()
    if ged is None:
        return None
    teacher = ctx.staff["teacher"]
    adebisi = _fresh(ctx, "adebisi")
    adebisi_enrolment = None
    if adebisi is not None and adebisi.status == PersonStatus.IN_CUSTODY:
        adebisi_enrolment = _enrol(ctx, ged, adebisi, datetime(2026, 5, 29, 10, 0, tzinfo=LOCAL),
                                   note="asked to join when his cellmate did")
    wangler = ctx.people.get("wangler")
    for week in range(5):
        for day, skip in ((0, False), (2, False), (4, True)):
            start = datetime(2026, 5, 25, 9, 0, tzinfo=LOCAL) + timedelta(days=7 * week + day)
            with clock.frozen_at(start - timedelta(days=3)):
                session = services.session_create(actor=teacher, course=ged, starts_at=start,
                                                   topic=["Fractions", "Reading comprehension", "Practice test"][
                                                       day // 2])
            enrolled = list(Enrolment.objects.filter(course=ged, status=EnrolmentStatus.ENROLLED,
                                                     enrolled_at__lte=start).select_related("person"))
            records = []
            for e in enrolled:
                status = "present"
                if adebisi_enrolment is not None and e.pk == adebisi_enrolment.pk:
                    status = "present" if (week, day) in ((1, 0), (3, 2)) else "absent"
                records.append({"enrolment_id": e.pk, "status": status})
            if records:
                with clock.frozen_at(start + timedelta(hours=2)):
                    services.attendance_record(actor=teacher, session=session, records=records)
            if not skip:
                continue
            # Friday: the weekly practice test.
            with clock.frozen_at(start + timedelta(hours=3)):
                others = iter(OTHER_SCORES)
                for e in enrolled:
                    if wangler is not None and e.person_id == wangler.pk:
                        score = WANGLER_SCORES[week]
                    elif adebisi_enrolment is not None and e.pk == adebisi_enrolment.pk:
                        continue  # never sat a test
                    else:
                        score = next(others, [50] * 5)[week]
                    services.assessment_record(actor=teacher, enrolment=e, taken_on=start.date(),
                                               title=f"Practice test {week + 1}", score=Decimal(score))
    return ged
