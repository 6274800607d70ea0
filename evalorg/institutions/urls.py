from django.urls import path

from . import chain_leaders, views, views_identity

app_name = "institutions"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/counties/", views.county_options, name="county_options"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/resend/", views.signup_resend, name="signup_resend"),
    path("signup/activate/<uidb64>/<token>/", views.signup_activate, name="signup_activate"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("members/add/", views.member_add, name="member_add"),
    path("members/<int:pk>/<slug:action>/", views.member_action, name="member_action"),
    path("declarations/", views.declarations, name="declarations"),
    path(
        "declarations/<int:pk>/evidence/",
        views.declaration_evidence,
        name="declaration_evidence",
    ),
    path("identity/change/", views_identity.identity_change_new, name="identity_change_new"),
    path("identity-changes/", views_identity.identity_changes, name="identity_changes"),
    path("identity-changes/<int:pk>/", views_identity.identity_change, name="identity_change"),
    path(
        "identity-changes/<int:pk>/evidence/",
        views_identity.identity_change_evidence,
        name="identity_change_evidence",
    ),
    path("chain-leaders/", chain_leaders.chain_leaders, name="chain_leaders"),
    path(
        "chain-leaders/<int:pk>/document/",
        chain_leaders.chain_leader_document,
        name="chain_leader_document",
    ),
]
