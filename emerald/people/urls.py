"""People: search and the person page."""

from django.urls import path

from emerald.people import views

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("<path:inmate_number>/", views.detail, name="detail"),
]
