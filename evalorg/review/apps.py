from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evalorg.review"
    label = "review"
    verbose_name = "评审推荐"
