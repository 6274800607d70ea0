"""The center's receiving side (namespace ``province``, N-4.1.2): the per-city overview."""

from django.urls import path

from . import views

urlpatterns = [
    path("overview/", views.overview, name="overview"),
]
