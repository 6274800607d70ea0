from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "evalorg.publicity"
    label = "publicity"
    verbose_name = "公示"

    def ready(self) -> None:
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.applications.sections import Order, register_case_section
        from evalorg.core.sweeps import register_sweep
        from evalorg.core.todo import register_source
        from evalorg.documents.built import register as register_document

        from .documents import NOTICE_PDF, notice_pdf_source
        from .sections import publicity_section
        from .services import sweep_publicity_end
        from .todo import NOTICE_SOURCE, OBJECTION_SOURCE
        from .transitions import register_publicity_transitions

        register_publicity_transitions()
        register_document(NOTICE_PDF, notice_pdf_source)
        register_source(NOTICE_SOURCE)
        register_source(OBJECTION_SOURCE)
        register_sweep("publicity_end", sweep_publicity_end)
        register_case_section(publicity_section, order=Order.PUBLICITY)
        register_nav(
            NavItem(
                label="公示",
                url_name="publicity:list",
                order=48,
            )
        )
