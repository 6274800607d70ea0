from django.urls import path

from . import views

app_name = "annual"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("year/<int:year>/", views.year, name="year"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/<str:action>/", views.report_action, name="action"),
    path("agency/", views.agency, name="agency"),
    path("agency/export.<str:fmt>", views.agency_export, name="export"),
]
