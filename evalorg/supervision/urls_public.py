from django.urls import path

from . import views_inspections

app_name = "inspections_public"

urlpatterns = [
    path("inspections/", views_inspections.public_list, name="list"),
]
