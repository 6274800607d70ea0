from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "evalorg.documents"
    label = "documents"
    verbose_name = "文书"
