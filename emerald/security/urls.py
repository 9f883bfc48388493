"""Security pages."""

from django.urls import path

from emerald.security import views

app_name = "security"
urlpatterns = [
    path("", views.account, name="account"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("2fa/recovery-codes/", views.otp_recovery_shown, name="otp_recovery_shown"),
    path("2fa/recovery-codes/new/", views.otp_recovery_new, name="otp_recovery_new"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/end/", views.session_end, name="session_end"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/<slug:action>/", views.staff_action, name="staff_action"),
]
