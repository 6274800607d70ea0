from django.apps import AppConfig


class RenewalConfig(AppConfig):
    name = "evalorg.renewal"
    label = "renewal"
    verbose_name = "备案延续"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.applications.eligibility import register_standing_check
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source
        from evalorg.filing.registry import register_history_source
        from evalorg.supervision.plans import register_plan_check

        from . import validity
        from .notifications import register_renewal_parties
        from .todo import LETTER_SOURCE, RENEWAL_SOURCE
        from .transitions import register_renewal_transitions

        register_renewal_transitions()
        register_renewal_parties()
        register_source(LETTER_SOURCE)
        register_source(RENEWAL_SOURCE)
        register_sweep("filing_expiry_reminders", validity.send_reminders)
        register_sweep("filing_expiry", validity.expire_filings)
        register_plan_check(validity.plan_refusals)
        register_standing_check(validity.expansion_refusal)
        register_history_source(validity.histories)
        register_nav(NavItem(label="备案延续", url_name="renewal:list", order=67))
