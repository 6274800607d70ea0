from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "evalorg.cultivation"
    label = "cultivation"
    verbose_name = "培育辅导"
