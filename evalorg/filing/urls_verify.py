from django.urls import path

from . import views_verify as views

app_name = "verify"

urlpatterns = [
    path("", views.search, name="search"),
    path("<str:code>/", views.letter, name="letter"),
]
