"""Incident pages."""

from django.urls import path

from emerald.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("export.csv", views.incident_export, name="export"),
    path("new/", views.incident_create, name="create"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/<slug:action>/", views.incident_action, name="action"),
    path("<int:pk>/people/<int:involvement_id>/<slug:action>/", views.involvement_action, name="involvement_action"),
    path("<int:pk>/proposals/<int:proposal_id>/<slug:action>/", views.proposal_action, name="proposal_action"),
]
