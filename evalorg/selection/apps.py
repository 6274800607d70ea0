from django.apps import AppConfig


class SelectionConfig(AppConfig):
    """The provincial selection (SPEC §6.3, N-4.1.2/N-4.1.3): the center's receiving side, the
    on-site defense sessions, the province-wide merit ranking with select / reject and the
    leadership group's approval (also used by acceptance batches, N-4.3). Builds on ``review``
    (stage records, panels, scoresheets, scoring)."""

    name = "evalorg.selection"
    label = "selection"
    verbose_name = "省级评审"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.applications.access import register_scope
        from evalorg.core.models import register_former_label
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source
        from evalorg.core.workflow import workflow_of
        from evalorg.review.models import Scoresheet
        from evalorg.review.services import DefenseRules, register_defense_rules

        from .audience import register_selection_audiences
        from .case_sections import register_case_sections
        from .defense import (
            absent_application_ids,
            defense_adjusted_scores,
            defense_held,
            register_defense_transitions,
            remind_unconfirmed,
        )
        from .leadership import register_leadership_transitions
        from .models import (
            DefenseSession,
            DefenseSlot,
            LeadershipApproval,
            LeadershipApprovalEntry,
        )
        from .province import province_scope
        from .todo import APPROVAL_SOURCE, SLOT_SOURCE
        from .transitions import register_selection_transitions

        register_selection_transitions()
        register_leadership_transitions()
        register_defense_transitions()
        register_selection_audiences()
        # Events written before the models left review keep their review.* object type.
        for model in (DefenseSession, DefenseSlot, LeadershipApproval, LeadershipApprovalEntry):
            register_former_label(model, f"review.{model._meta.model_name}")
        register_case_sections()
        # The province's sheets carry the defense items (review's workflow, selection's rule).
        workflow_of(Scoresheet).add_guards("submit_scoresheet", defense_held)
        register_defense_rules(DefenseRules(absent_application_ids, defense_adjusted_scores))
        register_scope("province_staff", province_scope)
        register_sweep("defense_reminders", remind_unconfirmed)
        for source in (SLOT_SOURCE, APPROVAL_SOURCE):
            register_source(source)
        # Who sees an entry is the view's own role_required (accounts.navigation).
        for item in [
            NavItem(label="各地市报送", url_name="province:overview", order=44),
            NavItem(label="省级评审", url_name="selection:ranking", order=47),
            NavItem(
                label="领导小组审定",
                url_name="selection:approval",
                order=47,
            ),
            NavItem(label="答辩安排", url_name="defense:list", order=47),
        ]:
            register_nav(item)
