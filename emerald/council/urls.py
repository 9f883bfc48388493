"""Council pages."""

from django.urls import path

from emerald.council import views

app_name = "council"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.council, name="council"),
    path("<int:unit_id>/<slug:action>/", views.council_action, name="council_action"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
]
