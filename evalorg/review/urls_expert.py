from django.urls import path

from . import expert_views

urlpatterns = [
    path("", expert_views.home, name="home"),
    path("<int:pk>/conflict/", expert_views.declare, name="declare"),
    path("<int:pk>/scoresheet/", expert_views.scoresheet, name="scoresheet"),
]
