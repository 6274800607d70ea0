from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "evalorg.sanctions"
    label = "sanctions"
    verbose_name = "处理决定"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_dashboard, register_nav
        from evalorg.applications.eligibility import register_standing_check
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source
        from evalorg.filing.registry import StatusSource, register_status_source
        from evalorg.supervision.inspection_records import register_escalation
        from evalorg.supervision.plans import register_plan_check

        from . import sanctions
        from .dashboard import sanctions_in_force
        from .notifications import register_sanction_parties
        from .sweeps import end_suspensions
        from .todo import SANCTION_SOURCE
        from .transitions import register_sanction_transitions

        register_sanction_transitions()
        register_sanction_parties()
        register_source(SANCTION_SOURCE)
        register_sweep("sanction_end", end_suspensions)
        register_dashboard(15, sanctions_in_force)
        register_plan_check(sanctions.plan_refusals)
        register_escalation(sanctions.draft_for_inspection)
        register_standing_check(sanctions.expansion_refusal)
        register_status_source(
            StatusSource(
                annotate_letters=sanctions.annotate_letters,
                annotate_lines=sanctions.annotate_lines,
                fingerprint=sanctions.fingerprint,
                histories=sanctions.histories,
            )
        )
        register_nav(NavItem(label="处理决定", url_name="sanctions:list", order=65))
