from django.urls import path

from . import views

app_name = "cultivation"

urlpatterns = [
    path("<int:pk>/commitment/", views.commitment, name="commitment"),
    path("<int:pk>/commitment/pdf/", views.commitment_pdf, name="commitment_pdf"),
    path("training/", views.training_list, name="training_list"),
    path("training/<int:pk>/", views.training_detail, name="training"),
]
