"""Legal pages."""

from django.urls import path

from emerald.legal import views

app_name = "legal"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("hearings/", views.hearing_list, name="hearings"),
    path("new/", views.matter_create, name="create"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.matter_action, name="action"),
    path("<int:pk>/<slug:kind>/<int:item_id>/end/", views.item_action, name="item_action"),
]
