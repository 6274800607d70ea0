from django.urls import path

from . import views_public as views

app_name = "public"

urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("notices/<int:pk>/objections/new/", views.objection_new, name="objection_new"),
    path("notices/<int:pk>/objections/done/", views.objection_done, name="objection_done"),
]
