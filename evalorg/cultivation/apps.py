from django.apps import AppConfig


class CultivationConfig(AppConfig):
    name = "evalorg.cultivation"
    label = "cultivation"
    verbose_name = "培育辅导"

    def ready(self) -> None:
        from django.core import checks
        from django.utils.translation import gettext_lazy as _

        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.accounts.permissions import register_policy
        from evalorg.applications.access import register_scope
        from evalorg.applications.sections import Order, register_case_section
        from evalorg.applications.workflow import LINES
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source

        from .bank_checks import sweep as sweep_bank_checks
        from .bank_isolation import limits_check as bank_limits_check
        from .bank_review import (
            enough_sheets,
            is_reviewer,
            record_decision,
            register_review_transitions,
        )
        from .commitment import line_commitment_signed
        from .deadlines import sweep_elimination, sweep_reminders
        from .deliverables import deliverables_ready, review_in_period
        from .fast_track import register_fast_track
        from .sections import cultivation_section
        from .todo import BANK_REVIEW_SOURCE, LINE_SOURCE, TRAINING_SOURCE, province_scope
        from .training import register_training_transitions
        from .transitions import register_cultivation_transitions

        register_fast_track()
        register_cultivation_transitions()
        register_training_transitions()
        LINES.add_guards("submit_bank", line_commitment_signed, deliverables_ready)
        LINES.add_guards("pass_bank", review_in_period, enough_sheets)
        LINES.add_guards("fail_bank", review_in_period, enough_sheets)
        # Expert review (issue 20 item 4): the decision is stored with its comments.
        register_review_transitions()
        LINES.add_after("pass_bank", record_decision)
        LINES.add_after("fail_bank", record_decision)
        register_policy(
            "cultivation.bank_reviewer",
            is_reviewer,
            _("只有被指派评审该题库的专家可以查看其成果（N-4.2）。"),
        )
        register_sweep("cultivation_reminders", sweep_reminders)
        register_sweep("cultivation_elimination", sweep_elimination)
        register_sweep("bank_checks", sweep_bank_checks)
        checks.register(bank_limits_check)
        register_case_section(cultivation_section, order=Order.CULTIVATION)
        # The center reviews the banks of every case in cultivation, whatever route it took
        # (publicity or the chain-leader fast track, N-4.1.4): it sees those cases (issue 19).
        register_scope("province_staff", province_scope)
        register_source(LINE_SOURCE)
        register_source(TRAINING_SOURCE)
        register_source(BANK_REVIEW_SOURCE)
        register_nav(
            NavItem(
                label="题库审核",
                url_name="cultivation:bank_queue",
                order=48,
            )
        )
        register_nav(
            NavItem(
                label="题库评审",
                url_name="cultivation:bank_reviews",
                order=49,
            )
        )
        register_nav(
            NavItem(
                label="考务培训",
                url_name="cultivation:training_list",
                order=50,
            )
        )
