"""Discipline pages."""

from django.urls import path

from emerald.discipline import views

app_name = "discipline"
urlpatterns = [
    path("", views.charge_list, name="list"),
    path("new/", views.charge_create, name="create"),
    path("<int:pk>/", views.charge_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.charge_action, name="action"),
    path("sanctions/<int:sanction_id>/<slug:action>/", views.sanction_action, name="sanction_action"),
]
