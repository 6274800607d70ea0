from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "evalorg.cultivation"
    label = "cultivation"
    verbose_name = "培育辅导"

    def ready(self) -> None:
        from .fast_track import register_fast_track

        register_fast_track()
