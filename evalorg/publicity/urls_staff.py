from django.urls import path

from . import views_staff as views

app_name = "publicity"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/publish/", views.notice_publish, name="publish"),
    path("<int:pk>/end/", views.notice_end, name="end"),
    path("<int:pk>/discard/", views.notice_discard, name="discard"),
    path("<int:pk>/objections/", views.objection_list, name="objections"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("objections/<int:pk>/evidence/", views.objection_evidence, name="evidence"),
    path("objections/<int:pk>/<slug:action>/", views.objection_action, name="objection_action"),
]
