from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "evalorg.applications"
    label = "applications"
    verbose_name = "备案申请"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_dashboard, register_nav
        from evalorg.core import demo
        from evalorg.core.todo import register_source

        from .case_sections import register_case_sections
        from .demo import build_demo_applications
        from .todo import CASE_SOURCE

        demo.register(30, "applications", build_demo_applications)

        register_nav(
            NavItem(
                label="备案申请",
                url_name="applications:list",
                roles=frozenset({"applicant", "city_staff", "province_staff", "department"}),
                order=20,
            )
        )
        register_nav(
            NavItem(
                label="代登记新增职业",
                url_name="applications:register_expansion",
                order=30,
            )
        )
        register_source(CASE_SOURCE)
        from evalorg.institutions.identity import register_identity_lock

        from .identity import has_open_or_filed_application

        register_identity_lock("applications", has_open_or_filed_application)
        register_case_sections()
        from .dashboard import case_dashboard

        register_dashboard(10, case_dashboard)
