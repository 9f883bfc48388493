"""The unit board."""

from django.urls import path

from emerald.facilities import views

app_name = "facilities"
urlpatterns = [
    path("<int:unit_id>/", views.unit_board, name="unit"),
    path("<int:unit_id>/status/", views.unit_status, name="unit_status"),
    path("cells/<int:cell_id>/service/", views.cell_service, name="cell_service"),
]
