"""Education pages."""

from django.urls import path

from emerald.education import views

app_name = "education"
urlpatterns = [
    path("", views.index, name="index"),
    path("classes/", views.classes, name="classes"),
    path("courses/new/", views.course_new, name="course_new"),
    path("courses/<int:pk>/", views.course, name="course"),
    path("courses/<int:pk>/<slug:action>/", views.course_action, name="course_action"),
    path("enrolments/<int:pk>/", views.enrolment, name="enrolment"),
    path("enrolments/<int:pk>/<slug:action>/", views.enrolment_action, name="enrolment_action"),
    path("sessions/<int:pk>/", views.session, name="session"),
]
