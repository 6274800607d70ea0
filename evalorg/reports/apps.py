from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "evalorg.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        from evalorg.accounts.models import Role
        from evalorg.accounts.navigation import NavItem, register_nav

        register_nav(
            NavItem(
                "统计报表",
                "reports:index",
                frozenset({Role.PROVINCE_STAFF, Role.DEPARTMENT}),
                order=90,
            )
        )
