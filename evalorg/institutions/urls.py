from django.urls import path

from . import views

app_name = "institutions"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/counties/", views.county_options, name="county_options"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("members/add/", views.member_add, name="member_add"),
    path("declarations/", views.declarations, name="declarations"),
    path(
        "declarations/<int:pk>/evidence/",
        views.declaration_evidence,
        name="declaration_evidence",
    ),
]
