from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "evalorg.supervision"
    label = "supervision"
    verbose_name = "认定监管"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.applications.eligibility import register_activity_finder
        from evalorg.core.todo import register_source

        from .inspection_records import register_inspection_records
        from .inspections import register_inspection_workflow
        from .notifications import register_plan_parties
        from .plans import reported_assessment
        from .todo import PLAN_SOURCE
        from .todo_inspections import DRAW_SOURCE, INSPECTION_SOURCE
        from .transitions import register_plan_transitions

        register_plan_transitions()
        register_plan_parties()
        register_inspection_workflow()
        register_inspection_records()
        register_source(PLAN_SOURCE)
        register_source(DRAW_SOURCE)
        register_source(INSPECTION_SOURCE)
        register_activity_finder(reported_assessment)
        register_nav(NavItem(label="认定计划", url_name="supervision:plans", order=62))
        register_nav(NavItem(label="认定监管", url_name="supervision:agency_plans", order=63))
        register_nav(NavItem(label="质量督导", url_name="supervision:supervisor_plans", order=64))
        register_nav(NavItem(label="双随机抽查", url_name="supervision:draws", order=65))
