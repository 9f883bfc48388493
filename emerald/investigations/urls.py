"""Investigation pages."""

from django.urls import path

from emerald.investigations import views

app_name = "investigations"
urlpatterns = [
    path("", views.investigation_list, name="list"),
    path("new/", views.investigation_create, name="create"),
    path("<int:pk>/", views.investigation_detail, name="detail"),
    path("<int:pk>/members/<int:member_id>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/evidence/<int:item_id>/transfer/", views.evidence_transfer, name="evidence_transfer"),
    path("<int:pk>/<slug:action>/", views.investigation_action, name="action"),
]
