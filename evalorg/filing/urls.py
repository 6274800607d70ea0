from django.urls import path

from . import views, views_batches, views_supervision

app_name = "filing"

urlpatterns = [
    path("letters/<int:pk>/<str:kind>/", views.download, name="download"),
    path("batches/", views_batches.batch_list, name="batches"),
    path("batches/<int:pk>/", views_batches.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", views_batches.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/issue/", views_batches.batch_issue, name="batch_issue"),
    path("batches/<int:pk>/publish/", views_batches.batch_publish, name="batch_publish"),
    path("batches/<int:pk>/minutes/", views_batches.batch_minutes, name="batch_minutes"),
    path("supervision/", views_supervision.supervision_list, name="supervision_list"),
    path("supervision/<int:pk>/", views_supervision.supervision, name="supervision"),
]
