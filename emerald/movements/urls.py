from django.urls import path

from emerald.movements import views

app_name = "movements"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:unit_id>/", views.unit, name="unit"),
    path("absences/", views.absences, name="absences"),
    path("absences/<int:absence_id>/<str:action>/", views.absence_action, name="absence_action"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/queue/", views.queue, name="queue"),
    path("transfers/<int:transfer_id>/", views.transfer, name="transfer"),
    path("transfers/<int:transfer_id>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("counts/", views.counts, name="counts"),
    path("counts/schedule/<str:facility_code>/", views.schedule, name="schedule"),
    path("counts/<int:count_id>/", views.count, name="count"),
    path("counts/<int:count_id>/escalate/", views.escalate, name="escalate"),
    path("counts/sheets/<int:sheet_id>/", views.sheet, name="sheet"),
    path("counts/sheets/<int:sheet_id>/submit/", views.submit, name="submit"),
    path("counts/sheets/<int:sheet_id>/crosscheck/", views.crosscheck, name="crosscheck"),
    path("counts/lines/<int:line_id>/mark/", views.mark, name="mark"),
    path("counts/lines/<int:line_id>/reconcile/", views.reconcile, name="reconcile"),
    path("escapes/", views.escapes, name="escapes"),
    path("escapes/new/", views.escape_new, name="escape_new"),
    path("escapes/attempt/", views.attempt_new, name="attempt_new"),
    path("escapes/<int:escape_id>/recapture/", views.recapture, name="recapture"),
    path("log/", views.log, name="log"),
]
