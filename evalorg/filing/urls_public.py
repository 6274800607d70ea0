from django.urls import path

from . import views_public as views

app_name = "registry"

urlpatterns = [
    path("registry/", views.registry_list, name="list"),
    path("registry/fields/", views.fields, name="fields"),
    path("registry/organizations/<int:pk>/", views.organization, name="organization"),
    path("registry.csv", views.registry_csv, name="csv"),
    path("registry.json", views.registry_json, name="json"),
    path("acceptance/", views.acceptance, name="acceptance"),
]
