from django.apps import AppConfig


class AnnualConfig(AppConfig):
    name = "evalorg.annual"
    label = "annual"
    verbose_name = "年度报告"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.core.todo import register_source

        from .notifications import register_report_parties
        from .todo import REPORT_SOURCE
        from .transitions import register_report_transitions

        register_report_transitions()
        register_report_parties()
        register_source(REPORT_SOURCE)
        register_nav(NavItem(label="年度报告", url_name="annual:mine", order=67))
        register_nav(NavItem(label="年度报告", url_name="annual:agency", order=68))
