"""Relationship and group pages."""

from django.urls import path

from emerald.relations import views

app_name = "relations"
urlpatterns = [
    path("groups/", views.groups, name="groups"),
    path("groups/<int:pk>/", views.group, name="group"),
    path("groups/<int:pk>/<slug:action>/", views.group_action, name="group_action"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("rivalries/<int:pk>/end/", views.rivalry_end, name="rivalry_end"),
    path("relationships/<int:pk>/end/", views.relationship_end, name="relationship_end"),
    path("relationships/<int:pk>/keep-apart/", views.relationship_keep_apart, name="relationship_keep_apart"),
    path("people/<path:number>/relationships/new/", views.relationship_new, name="relationship_new"),
    path("people/<path:number>/memberships/new/", views.membership_new, name="membership_new"),
]
