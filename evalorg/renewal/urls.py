from django.urls import path

from . import views

app_name = "renewal"

urlpatterns = [
    path("", views.renewal_list, name="list"),
    path("new/", views.renewal_new, name="new"),
    path("<int:pk>/", views.renewal_detail, name="detail"),
    path("<int:pk>/<str:action>/", views.renewal_action, name="action"),
    path("urge/<int:pk>/", views.renewal_urge, name="urge"),
]
