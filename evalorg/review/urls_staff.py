from django.urls import path

from . import views_staff

urlpatterns = [
    path("ranking/", views_staff.ranking, name="ranking"),
    path("ranking/export.<str:fmt>", views_staff.ranking_export, name="ranking_export"),
    path("ranking/<int:pk>/decide/", views_staff.decide, name="decide"),
    path("ranking/<int:pk>/complete/", views_staff.complete_scoring, name="complete"),
    path("send/", views_staff.send_to_province, name="send"),
    path("summary.<str:fmt>", views_staff.summary_download, name="summary"),
    path("extensions/", views_staff.extend_deadline, name="extend"),
]
