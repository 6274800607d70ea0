"""The provincial selection: merit ranking and decisions, leadership approval (``selection``)."""

from django.urls import path

from . import selection_views

urlpatterns = [
    path("ranking/", selection_views.selection_ranking, name="ranking"),
    path("ranking/<int:pk>/decide/", selection_views.selection_decide, name="decide"),
    path("approval/", selection_views.approval, name="approval"),
    path("approval/<int:pk>/minutes/", selection_views.approval_minutes, name="minutes"),
]
