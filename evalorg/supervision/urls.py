from django.urls import path

from . import views, views_inspection_records, views_inspections

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
    path("inspection/<int:pk>/", views_inspection_records.inspection_detail, name="inspection"),
    path(
        "inspection/<int:pk>/findings/",
        views_inspection_records.finding_add,
        name="inspection_finding",
    ),
    path(
        "inspection/<int:pk>/files/<int:file_pk>/",
        views_inspection_records.inspection_file,
        name="inspection_file",
    ),
    path(
        "inspection/<int:pk>/act/<str:action>/",
        views_inspection_records.inspection_action,
        name="inspection_action",
    ),
]
