from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/evidence/", views.complaint_evidence, name="evidence"),
    path("<int:pk>/<str:action>/", views.complaint_action, name="action"),
]
