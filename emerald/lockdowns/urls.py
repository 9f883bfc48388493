from django.urls import path

from emerald.lockdowns import views

app_name = "lockdowns"
urlpatterns = [
    path("", views.index, name="index"),
    path("order/", views.order, name="order"),
    path("<int:lockdown_id>/lift/", views.lift, name="lift"),
    path("emergency-moves/", views.emergency_moves, name="emergency_moves"),
    path("emergency-moves/<int:move_id>/review/", views.review, name="review"),
    path("rehousing/", views.rehousing_index, name="rehousing"),
    path("rehousing/new/", views.rehousing_new, name="rehousing_new"),
    path("rehousing/reopen/", views.reopen_unit, name="reopen_unit"),
    path("rehousing/<int:run_id>/", views.rehousing_run, name="rehousing_run"),
    path("rehousing/<int:run_id>/progress/", views.rehousing_progress, name="rehousing_progress"),
    path("rehousing/<int:run_id>/execute/", views.rehousing_execute, name="rehousing_execute"),
    path("rehousing/<int:run_id>/cancel/", views.rehousing_cancel, name="rehousing_cancel"),
    path("rehousing/<int:run_id>/close-source/", views.rehousing_close_source, name="rehousing_close_source"),
]
