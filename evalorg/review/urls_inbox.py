"""The agency's inbox, the staff case page and verification (namespace ``review_inbox``)."""

from django.urls import path

from . import inbox, verification

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/export.xlsx", inbox.export, name="export"),
    path("inbox/<int:pk>/", inbox.case, name="case"),
    path("inbox/<int:pk>/verify/", verification.verify_page, name="verify"),
    path("inbox/<int:pk>/actions/<slug:action>/", inbox.case_action, name="action"),
    path("inbox/<int:pk>/findings/resolve/", inbox.resolve_finding, name="resolve_finding"),
    path(
        "inbox/<int:pk>/declarations/<int:declaration_pk>/evidence/",
        inbox.declaration_evidence,
        name="declaration_evidence",
    ),
]
