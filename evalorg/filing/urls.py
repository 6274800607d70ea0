from django.urls import path

from . import views

app_name = "filing"

urlpatterns = [
    path("letters/<int:pk>/<str:kind>/", views.download, name="download"),
    path("cases/<int:pk>/issue/", views.issue, name="issue"),
]
