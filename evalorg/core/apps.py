from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "evalorg.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        from . import checks, production_guard  # noqa: F401  (register system checks)
        from .audit import seal_sweep
        from .calendar_data import load_calendar
        from .checkpoints import checkpoint_sweep
        from .reference import register
        from .statistics import after_migrate, refresh
        from .sweeps import register_sweep

        register(10, "work_calendar", load_calendar)
        register_sweep("audit_seal", seal_sweep)
        register_sweep("audit_checkpoint", checkpoint_sweep)
        register_sweep("db_statistics", refresh)
        # post_migrate is sent per app after every migration ran: analyse once, for core.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="core_statistics")
        from .task_worker import task_claims_sweep

        register_sweep("task_claims", task_claims_sweep)
        from .uploads import sweep_upload_temp_files

        register_sweep("upload_temp_files", sweep_upload_temp_files)
        from .files import sweep_orphan_files

        register_sweep("orphan_files", sweep_orphan_files)
