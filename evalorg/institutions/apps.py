from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "evalorg.institutions"
    label = "institutions"
    verbose_name = "申请机构"

    def ready(self) -> None:
        from evalorg.core import demo

        from .demo import build_institutions

        demo.register(20, "institutions", build_institutions)

        from .identity import register_identity_workflow

        register_identity_workflow()

        from .members import register_member_workflow

        register_member_workflow()

        from evalorg.accounts.navigation import NavItem, register_nav

        register_nav(
            NavItem(
                label="机构信息",
                url_name="institutions:profile",
                order=10,
            )
        )
        register_nav(
            NavItem(
                label="链主培育单位",
                url_name="institutions:chain_leaders",
                order=48,
            )
        )
        register_nav(
            NavItem(
                label="登记信息变更",
                url_name="institutions:identity_changes",
                order=49,
            )
        )
