"""The provincial selection: merit ranking and decisions, leadership approval (``selection``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("ranking/", views.selection_ranking, name="ranking"),
    path("ranking/export.<str:fmt>", views.selection_ranking_export, name="ranking_export"),
    path("ranking/<int:pk>/decide/", views.selection_decide, name="decide"),
    path("approval/", views.approval, name="approval"),
    path("approval/<int:pk>/minutes/", views.approval_minutes, name="minutes"),
]
