from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "evalorg.notify"
    label = "notify"
    verbose_name = "通知"
