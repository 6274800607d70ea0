from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "evalorg.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from evalorg.core.sweeps import register_sweep

        from .services import sweep_outbox

        register_sweep("outbox", sweep_outbox)
