from django.urls import path

from . import staff, views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("register-expansion/", staff.register_expansion, name="register_expansion"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/institution/", views.step_institution, name="step_institution"),
    path("<int:pk>/occupations/", views.step_occupations, name="step_occupations"),
    path("<int:pk>/occupations/search/", views.occupation_search, name="occupation_search"),
    path(
        "<int:pk>/occupations/<int:line_pk>/remove/",
        views.occupation_remove,
        name="occupation_remove",
    ),
    path(
        "<int:pk>/occupations/code/<str:code>/remove/",
        views.occupation_remove_all,
        name="occupation_remove_all",
    ),
    path("<int:pk>/materials/", views.step_materials, name="step_materials"),
    path("<int:pk>/materials/<slug:code>/upload/", views.material_upload, name="material_upload"),
    path(
        "<int:pk>/materials/<int:material_pk>/remove/",
        views.material_remove,
        name="material_remove",
    ),
    path("<int:pk>/files/<int:material_pk>/", views.material_download, name="material_download"),
    path("<int:pk>/review/", views.step_review, name="step_review"),
    path("<int:pk>/eligibility/", views.eligibility_panel, name="eligibility"),
    path("<int:pk>/eligibility/live/", views.live_eligibility, name="live_eligibility"),
    path("<int:pk>/actions/<slug:action>/", views.application_action, name="action"),
    path("<int:pk>/pdf/", views.application_pdf, name="pdf"),
]
