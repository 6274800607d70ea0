"""Chinese names for third-party apps in the admin (issue #10: no English left). Their models'
and fields' names are translated in evalorg/locale (they are gettext msgids upstream); the app
names are not translatable upstream, so these AppConfig subclasses replace them in
INSTALLED_APPS."""

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):  # type: ignore[misc]  # django-axes ships no types
    verbose_name = "登录安全（失败与锁定记录）"


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = "后台任务"
