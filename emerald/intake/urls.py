"""Intake pages."""

from django.urls import path

from emerald.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/classification/", views.classification, name="classification"),
    path("<int:pk>/screening/", views.screening, name="screening"),
    path("<int:pk>/housing/", views.housing, name="housing"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("tasks/<int:pk>/", views.task, name="task"),
]
