from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "evalorg.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from evalorg.accounts.models import Role
        from evalorg.accounts.navigation import NavItem, register_dashboard, register_nav
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.workflow import set_delivery

        from .services import deliver, sweep_outbox, unread_count

        set_delivery(deliver)

        register_sweep("outbox", sweep_outbox)
        from .calendar_reminder import sweep_calendar_reminder

        register_sweep("calendar_next_year", sweep_calendar_reminder)
        from .dashboard import recent_messages

        register_dashboard(90, recent_messages)
        register_nav(
            NavItem(
                label=_("消息"),
                url_name="notify:list",
                roles=frozenset(Role.values),
                order=90,
                badge=unread_count,
            )
        )
