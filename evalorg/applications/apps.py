from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "evalorg.applications"
    label = "applications"
    verbose_name = "备案申请"
