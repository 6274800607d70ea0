"""The agency's inbox, the staff case page and verification (namespace ``review_inbox``)."""

from django.urls import path

from . import views_inbox as views
from . import views_verification

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/export.xlsx", views.export, name="export"),
    path("inbox/<int:pk>/", views.case, name="case"),
    path("inbox/<int:pk>/verify/", views_verification.verify_page, name="verify"),
    path("inbox/<int:pk>/actions/<slug:action>/", views.case_action, name="action"),
    path("inbox/<int:pk>/contact/<slug:field>/", views.reveal_contact, name="reveal_contact"),
    path("inbox/<int:pk>/findings/resolve/", views.resolve_finding, name="resolve_finding"),
    path(
        "inbox/<int:pk>/declarations/<int:declaration_pk>/evidence/",
        views.declaration_evidence,
        name="declaration_evidence",
    ),
]
