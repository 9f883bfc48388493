"""The staff UI's front page."""

from django.urls import path

from emerald.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
