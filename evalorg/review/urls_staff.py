from django.urls import path

from . import province, staff_views

urlpatterns = [
    path("ranking/", staff_views.ranking, name="ranking"),
    path("ranking/<int:pk>/decide/", staff_views.decide, name="decide"),
    path("ranking/<int:pk>/complete/", staff_views.complete_scoring, name="complete"),
    path("send/", staff_views.send_to_province, name="send"),
    path("summary.<str:fmt>", staff_views.summary_download, name="summary"),
    path("extensions/", staff_views.extend_deadline, name="extend"),
    path("province/overview/", province.overview, name="province_overview"),
]
