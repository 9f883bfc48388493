"""Education pages: courses, a course page with the class's progress chart, a student's progress, attendance
per session, and the teacher's class list. Education data only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, as_http, error_status, require_allowed
from emerald.education import charts, selectors, services
from emerald.education.forms import (
    AssessmentForm,
    AttendanceForm,
    CourseForm,
    ReasonForm,
    RequestForm,
    SessionForm,
)
from emerald.education.models import SEATED_STATUSES, Course, EnrolmentStatus
from emerald.people.selectors import people_visible_to


def _call(fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except ServiceError as exc:
        raise as_http(exc) from exc


@login_required
def index(request: HttpRequest) -> HttpResponse:
    courses = list(_call(selectors.course_list, actor=request.user))
    for c in courses:
        c.seats = selectors.seats_taken(c)  # type: ignore[attr-defined]
    return render(request, "education/index.html", {
        "courses": courses, "may_create": allowed(request.user, "course.manage"),
        "may_teach": allowed(request.user, "education.record"), "title": _("Education"), "nav": "education",
    })


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "course.manage", "course")
    form = CourseForm(request.POST or None, initial={"teacher": request.user.pk, "starts_on": clock.now().date()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                course = services.course_create(actor=request.user, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Course %(code)s created.") % {"code": course.code})
                return redirect("education:course", course.pk)
        else:
            status = 400
    return render(request, "education/course_form.html", {"form": form, "title": _("New course"),
                                                          "nav": "education"}, status=status)


def _course_page(request: HttpRequest, course: Course, forms: dict[str, Any] | None = None,
                 status: int = 200) -> HttpResponse:
    user = request.user
    forms = forms or {}
    rows = selectors.enrolments_of_course(actor=user, course=course)
    students = [e for e in rows if e.status in SEATED_STATUSES or e.status == EnrolmentStatus.COMPLETED]
    waiting = [e for e in rows if e.status in (EnrolmentStatus.PENDING, EnrolmentStatus.APPROVED)]
    past = [e for e in rows if e not in students and e not in waiting]
    chart = charts.progress_chart(charts.series_for(students), title=_("Scores of %(course)s over time")
                                  % {"course": course.code}, chart_id="course-chart")
    return render(request, "education/course.html", {
        "course": course, "students": students, "waiting": waiting, "past": past, "chart": chart,
        "sessions": list(selectors.sessions_of(course)), "seats": selectors.seats_taken(course),
        "may_request": allowed(user, "enrolment.request"), "may_decide": selectors.may_decide(user, course),
        "may_teach": selectors.may_teach(user, course),
        "request_form": forms.get("request") or RequestForm(), "session_form": forms.get("session") or SessionForm(),
        "title": f"{course.code} – {course.name}", "nav": "education",
    }, status=status)


@login_required
def course(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_page(request, _call(selectors.course_get, actor=request.user, course_id=pk))


@login_required
@require_POST
def course_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Put a person on the waiting list (``request``) or schedule a session (``session``)."""
    c = _call(selectors.course_get, actor=request.user, course_id=pk)
    if action == "request":
        form: Any = RequestForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["person"].strip().upper()
            person = people_visible_to(request.user).filter(inmate_number=number).first()
            if person is None:
                form.add_error("person", _("No person with inmate number %(n)s.") % {"n": number})
                return _course_page(request, c, {"request": form}, 400)
            try:
                services.enrolment_request(actor=request.user, course=c, person=person,
                                           note=form.cleaned_data["note"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _course_page(request, c, {"request": form}, error_status(exc))
            messages.success(request, _("%(name)s is on the waiting list.") % {"name": person.full_name})
            return redirect("education:course", c.pk)
        return _course_page(request, c, {"request": form}, 400)
    if action == "session":
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                services.session_create(actor=request.user, course=c, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _course_page(request, c, {"session": form}, error_status(exc))
            messages.success(request, _("Session scheduled."))
            return redirect("education:course", c.pk)
        return _course_page(request, c, {"session": form}, 400)
    raise Http404(_("Not found."))


def _enrolment_page(request: HttpRequest, e: Any, form: AssessmentForm | None = None,
                    status: int = 200) -> HttpResponse:
    user = request.user
    chart = charts.progress_chart(charts.series_for([e]), title=_("Scores of %(name)s in %(course)s")
                                  % {"name": e.person.full_name, "course": e.course.code}, chart_id="student-chart")
    attendance = list(e.attendance.select_related("session").order_by("session__starts_at"))
    return render(request, "education/enrolment.html", {
        "e": e, "chart": chart, "attendance": attendance, "may_teach": selectors.may_teach(user, e.course),
        "may_decide": selectors.may_decide(user, e.course),
        "form": form or AssessmentForm(initial={"taken_on": clock.now().date(), "max_score": 100}),
        "reason_form": ReasonForm(), "credential": getattr(e, "credential", None) if e.status == "completed" else None,
        "title": _("%(name)s in %(course)s") % {"name": e.person.full_name, "course": e.course.code},
        "nav": "education",
    }, status=status)


@login_required
def enrolment(request: HttpRequest, pk: int) -> HttpResponse:
    e = _call(selectors.enrolment_get, actor=request.user, enrolment_id=pk)
    if request.method == "POST":
        require_allowed(request, "education.record", "enrolment", e.pk)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.assessment_record(actor=request.user, enrolment=e, **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                return _enrolment_page(request, e, form, error_status(exc))
            messages.success(request, _("Score recorded."))
            return redirect("education:enrolment", e.pk)
        return _enrolment_page(request, e, form, 400)
    return _enrolment_page(request, e)


ENROLMENT_ACTIONS = {
    "approve": lambda actor, e, reason: services.enrolment_decide(actor=actor, enrolment=e, approve=True,
                                                                  reason=reason),
    "decline": lambda actor, e, reason: services.enrolment_decide(actor=actor, enrolment=e, approve=False,
                                                                  reason=reason),
    "enrol": lambda actor, e, reason: services.enrolment_enrol(actor=actor, enrolment=e),
    "suspend": lambda actor, e, reason: services.enrolment_suspend(actor=actor, enrolment=e, reason=reason),
    "resume": lambda actor, e, reason: services.enrolment_resume(actor=actor, enrolment=e),
    "withdraw": lambda actor, e, reason: services.enrolment_withdraw(actor=actor, enrolment=e, reason=reason),
    "complete": lambda actor, e, reason: services.enrolment_complete(actor=actor, enrolment=e),
}


@login_required
@require_POST
def enrolment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ENROLMENT_ACTIONS:
        raise Http404(_("Not found."))
    e = _call(selectors.enrolment_get, actor=request.user, enrolment_id=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        ENROLMENT_ACTIONS[action](request.user, e, reason)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Done: %(name)s is now %(status)s.") % {
            "name": e.person.full_name,
            "status": _call(selectors.enrolment_get, actor=request.user, enrolment_id=pk).get_status_display()})
    target = request.POST.get("back", "")
    return redirect("education:enrolment", e.pk) if target == "enrolment" else redirect("education:course",
                                                                                         e.course_id)


@login_required
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance at one session: one row per enrolled student."""
    s = _call(selectors.session_get, actor=request.user, session_id=pk)
    rows = [e for e in selectors.enrolments_of_course(actor=request.user, course=s.course)
            if e.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)]
    current = selectors.attendance_of(s)
    may_teach = selectors.may_teach(request.user, s.course)
    form = AttendanceForm(request.POST or None, enrolments=rows, current=current)
    status = 200
    if request.method == "POST":
        require_allowed(request, "education.record", "course", s.course_id)
        if form.is_valid():
            try:
                services.attendance_record(actor=request.user, session=s, records=form.records())
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("Attendance recorded."))
                return redirect("education:course", s.course_id)
        else:
            status = 400
    return render(request, "education/session.html", {
        "s": s, "form": form, "may_teach": may_teach, "rows": rows, "current": current,
        "title": _("Attendance: %(course)s, %(when)s") % {"course": s.course.code,
                                                          "when": date_format(localtime(s.starts_at), "SHORT_DATETIME_FORMAT")},
        "nav": "education",
    }, status=status)


@login_required
def classes(request: HttpRequest) -> HttpResponse:
    """The teacher's class list."""
    return render(request, "education/classes.html", {
        "classes": _call(selectors.class_list, actor=request.user), "title": _("My classes"), "nav": "education",
    })
