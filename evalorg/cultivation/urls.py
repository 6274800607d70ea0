from django.urls import path

from . import views, views_bank_review

app_name = "cultivation"

urlpatterns = [
    path("<int:pk>/commitment/", views.commitment, name="commitment"),
    path("<int:pk>/commitment/pdf/", views.commitment_pdf, name="commitment_pdf"),
    path("banks/", views.bank_queue, name="bank_queue"),
    path("training/", views.training_list, name="training_list"),
    path("training/<int:pk>/", views.training_detail, name="training"),
    path("lines/<int:line_pk>/", views.line, name="line"),
    path("lines/<int:line_pk>/templates/<str:kind>/", views.line_template, name="line_template"),
    path("lines/<int:line_pk>/files/<int:pk>/", views.deliverable_file, name="deliverable"),
    path(
        "lines/<int:line_pk>/files/<int:pk>/attachment/",
        views.deliverable_attachment,
        name="deliverable_attachment",
    ),
    path("lines/<int:line_pk>/review/", views.line_review, name="line_review"),
    path("lines/<int:line_pk>/checks/<int:pk>/", views.bank_check, name="bank_check"),
    path(
        "lines/<int:line_pk>/files/<int:pk>/problems/<slug:kind>/",
        views.deliverable_problems,
        name="problems",
    ),
    path(
        "lines/<int:line_pk>/files/<int:pk>/annotated/",
        views.deliverable_annotated,
        name="annotated",
    ),
    path(
        "lines/<int:line_pk>/papers.<str:fmt>",
        views.sample_papers_download,
        name="sample_papers",
    ),
    path("lines/<int:line_pk>/reviewers/", views.line_assign, name="line_assign"),
    path("bank-reviews/", views_bank_review.bank_reviews, name="bank_reviews"),
    path("bank-reviews/<int:pk>/", views_bank_review.bank_review_sheet, name="bank_review_sheet"),
]
