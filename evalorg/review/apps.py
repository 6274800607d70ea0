from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "evalorg.review"
    label = "review"
    verbose_name = "评审推荐"

    def ready(self) -> None:
        from evalorg.applications.access import register_scope

        from .services import expert_scope
        from .transitions import register_review_transitions

        register_review_transitions()
        register_scope("expert", expert_scope)
