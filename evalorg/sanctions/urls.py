from django.urls import path

from . import views

app_name = "sanctions"

urlpatterns = [
    path("", views.sanction_list, name="list"),
    path("new/", views.sanction_new, name="new"),
    path("<int:pk>/", views.sanction_detail, name="detail"),
    path("<int:pk>/approve/", views.sanction_approve, name="approve"),
    path("<int:pk>/files/<str:which>/", views.sanction_file, name="file"),
    path("<int:pk>/<str:action>/", views.sanction_action, name="action"),
]
