from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evalorg.review"
    label = "review"
    verbose_name = "评审推荐"

    def ready(self) -> None:
        from evalorg.accounts.models import Role
        from evalorg.accounts.navigation import NavItem, register_nav, register_todo
        from evalorg.applications.access import register_scope
        from evalorg.core import demo
        from evalorg.core.sweeps import register_sweep

        from .audience import register_review_audiences
        from .defense import register_defense_transitions, remind_unconfirmed
        from .demo import build_review_demo
        from .leadership import register_leadership_transitions
        from .province import province_scope
        from .scoresheets import register_scoresheet_transitions
        from .selection import register_selection_transitions
        from .services import expert_scope
        from .todo import todo_for
        from .transitions import register_review_transitions

        register_review_transitions()
        register_selection_transitions()
        register_leadership_transitions()
        register_scoresheet_transitions()
        register_defense_transitions()
        register_review_audiences()
        register_scope("expert", expert_scope)
        register_scope("province_staff", province_scope)
        register_todo(todo_for)
        demo.register(40, "review", build_review_demo)
        register_sweep("defense_reminders", remind_unconfirmed)
        reviewing = Role.REVIEWING_STAFF
        for item in [
            NavItem(label="受理清单", url_name="review_inbox:inbox", roles=reviewing, order=25),
            NavItem(label="评审组", url_name="panels:list", roles=reviewing, order=40),
            NavItem(label="排名推荐", url_name="review:ranking", roles=reviewing, order=45),
            NavItem(
                label="各地市报送",
                url_name="review:province_overview",
                roles=frozenset({"province_staff"}),
                order=44,
            ),
            NavItem(
                label="省级评审",
                url_name="selection:ranking",
                roles=frozenset({"province_staff"}),
                order=47,
            ),
            NavItem(
                label="领导小组审定",
                url_name="selection:approval",
                roles=frozenset({"department"}),
                order=47,
            ),
            NavItem(
                label="开放报送",
                url_name="review:extend",
                roles=frozenset({"province_staff"}),
                order=46,
            ),
            NavItem(
                label="答辩安排",
                url_name="defense:list",
                roles=frozenset({"province_staff"}),
                order=47,
            ),
            NavItem(
                label="我的评审", url_name="expert:home", roles=frozenset({"expert"}), order=50
            ),
        ]:
            register_nav(item)
