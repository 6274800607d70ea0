from django.urls import path

from . import views

app_name = "complaints_public"

urlpatterns = [
    path("complaints/new/<int:pk>/", views.complaint_new, name="new"),
    path("complaints/done/<int:pk>/", views.complaint_done, name="done"),
]
