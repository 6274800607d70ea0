from django.urls import path

from . import views

app_name = "sanctions_public"

urlpatterns = [
    path("sanctions/", views.public_list, name="list"),
]
