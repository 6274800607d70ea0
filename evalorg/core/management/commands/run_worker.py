import logging
import sys
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from evalorg.core.task_worker import SupervisedWorker

logger = logging.getLogger("evalorg.worker")


class Command(DbWorkerCommand):
    help = (
        "Run the task worker (django-tasks-db's db_worker loop, supervised): a locked SQLite "
        "database is retried, any other failure exits with status 1 so systemd or make run "
        "restarts it; never under the autoreloader."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = SupervisedWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        try:
            worker.run()
        except Exception:
            logger.exception("task worker loop died; exiting with status 1 to be restarted")
            sys.exit(1)
