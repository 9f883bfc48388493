"""Health pages."""

from django.urls import path

from emerald.health import views

app_name = "health"
urlpatterns = [
    path("", views.encounter_list, name="list"),
    path("export.csv", views.encounter_export, name="export"),
    path("encounters/new/", views.encounter_create, name="encounter_create"),
    path("encounters/<int:pk>/", views.encounter_detail, name="encounter"),
    path("encounters/<int:pk>/<slug:action>/", views.encounter_action, name="encounter_action"),
    path("people/<str:inmate_number>/", views.medical_record, name="record"),
    path("people/<str:inmate_number>/break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/", views.break_glass_log, name="break_glass_log"),
    path("notifications/<int:pk>/acknowledge/", views.notification_ack, name="notification_ack"),
    path("custody-notes/", views.custody_note_list, name="notes"),
    path("custody-notes/new/", views.custody_note_create, name="note_create"),
    path("custody-notes/<int:pk>/close/", views.custody_note_close, name="note_close"),
]
