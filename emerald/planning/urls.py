"""Housing-plan pages: the list, a new plan, the review page and its decisions."""

from django.urls import path

from emerald.planning import views

app_name = "planning"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/decide/", views.plan_decide, name="decide"),
]
