from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evalorg.review"
    label = "review"
    verbose_name = "评审推荐"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.applications.access import register_scope
        from evalorg.core import demo
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source

        from .audience import register_review_audiences
        from .case_sections import register_case_sections
        from .demo import build_review_demo
        from .ranking import refresh_open_rounds
        from .scoresheets import register_scoresheet_transitions
        from .services import expert_scope
        from .todo import SCORESHEET_SOURCE
        from .transitions import register_review_transitions

        register_review_transitions()
        register_scoresheet_transitions()
        register_review_audiences()
        register_case_sections()
        register_scope("expert", expert_scope)
        register_source(SCORESHEET_SOURCE)
        demo.register(40, "review", build_review_demo)
        register_sweep("ranking_scores", refresh_open_rounds)
        # Who sees an entry is the view's own role_required (accounts.navigation).
        for item in [
            NavItem(label="受理清单", url_name="review_inbox:inbox", order=25),
            NavItem(label="评审组", url_name="panels:list", order=40),
            NavItem(label="排名推荐", url_name="review:ranking", order=45),
            NavItem(
                label="开放报送",
                url_name="review:extend",
                order=46,
            ),
            NavItem(label="我的评审", url_name="expert:home", order=50),
        ]:
            register_nav(item)
