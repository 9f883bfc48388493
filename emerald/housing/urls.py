"""Housing pages: move, admit, release, keep-apart orders."""

from django.urls import path

from emerald.housing import views

app_name = "housing"
urlpatterns = [
    path("people/<path:inmate_number>/move/", views.move, name="move"),
    path("people/<path:inmate_number>/admit/", views.admit, name="admit"),
    path("people/<path:inmate_number>/release/", views.release, name="release"),
    path("people/<path:inmate_number>/cells/", views.cell_options, name="cell_options"),
    path("people-suggestions/", views.person_suggestions, name="person_suggestions"),
    path("non-associations/", views.non_association_list, name="non_association_list"),
    path("non-associations/new/", views.non_association_create, name="non_association_create"),
    path("non-associations/<int:order_id>/close/", views.non_association_close, name="non_association_close"),
]
