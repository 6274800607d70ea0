from django.urls import path

from . import views_expert

urlpatterns = [
    path("", views_expert.home, name="home"),
    path("<int:pk>/conflict/", views_expert.declare, name="declare"),
    path("<int:pk>/scoresheet/", views_expert.scoresheet, name="scoresheet"),
]
