from django.apps import AppConfig


class AnnualConfig(AppConfig):
    name = "evalorg.annual"
    label = "annual"
    verbose_name = "年度报告"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_dashboard, register_nav
        from evalorg.core.todo import register_source

        from .dashboard import annual_reports_due
        from .notifications import register_report_parties
        from .todo import REPORT_SOURCE
        from .transitions import register_report_transitions

        register_report_transitions()
        register_report_parties()
        register_source(REPORT_SOURCE)
        register_nav(NavItem(label="年度报告", url_name="annual:mine", order=67))
        # The agencies reach the overview from their home page (``dashboard``), not the menu.
        register_dashboard(20, annual_reports_due)
