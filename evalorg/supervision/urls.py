from django.urls import path

from . import views, views_inspections

app_name = "supervision"

urlpatterns = [
    path("plans/", views.plans, name="plans"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/results/", views.plan_results, name="plan_results"),
    path("plans/<int:pk>/report/", views.plan_report, name="plan_report"),
    path("plans/<int:pk>/roster.xlsx", views.roster_download, name="roster"),
    path("plans/<int:pk>/<str:action>/", views.plan_action, name="plan_action"),
    path("agency/", views.agency_plans, name="agency_plans"),
    path("supervised/", views.supervisor_plans, name="supervisor_plans"),
    path("inspections/", views_inspections.draws, name="draws"),
    path("inspections/<int:pk>/", views_inspections.draw_detail, name="draw"),
    path("inspections/<int:pk>/<str:action>/", views_inspections.draw_action, name="draw_action"),
]
