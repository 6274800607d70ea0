from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "evalorg.complaints"
    label = "complaints"
    verbose_name = "投诉"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.core.todo import register_source
        from evalorg.filing.registry import register_organization_link

        from .notifications import register_complaint_parties
        from .todo import COMPLAINT_SOURCE
        from .transitions import register_complaint_transitions

        register_complaint_transitions()
        register_complaint_parties()
        register_source(COMPLAINT_SOURCE)
        register_organization_link("投诉", "complaints_public:new")
        register_nav(NavItem(label="投诉", url_name="complaints:list", order=66))
