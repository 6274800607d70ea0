from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "evalorg.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav

        register_nav(
            NavItem(
                "统计报表",
                "reports:index",
                order=90,
            )
        )
