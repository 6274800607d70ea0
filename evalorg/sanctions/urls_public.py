from django.urls import path

from . import views

app_name = "sanctions_public"

urlpatterns = [
    path("sanctions/", views.public_list, name="list"),
    path("registry/organizations/<int:pk>/", views.public_organization, name="organization"),
]
