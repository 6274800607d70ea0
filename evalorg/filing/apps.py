from django.apps import AppConfig


class FilingConfig(AppConfig):
    name = "evalorg.filing"
    label = "filing"
    verbose_name = "验收备案"

    def ready(self) -> None:
        from evalorg.accounts.models import Role
        from evalorg.accounts.navigation import NavItem, register_nav
        from evalorg.accounts.permissions import register_policy
        from evalorg.applications.sections import Order, Reader, register_case_section
        from evalorg.core.sweeps import register_sweep

        from .access import DOWNLOAD_LETTER, may_download
        from .batches import register_batch_transitions
        from .sections import letter_section, supervision_section
        from .services import sweep_letter_documents
        from .transitions import register_filing_transitions

        register_policy(DOWNLOAD_LETTER, may_download, hide=True)
        register_filing_transitions()
        register_batch_transitions()
        register_sweep("filing_letter_documents", sweep_letter_documents)
        register_case_section(letter_section, order=Order.FILING)
        register_case_section(supervision_section, order=Order.SUPERVISION, readers=[Reader.STAFF])
        # The center proposes batches and issues their letters; the department records the
        # leadership's approval there (N-4.3).
        register_nav(
            NavItem(
                label="验收批次",
                url_name="filing:batches",
                order=55,
            )
        )
        register_nav(
            NavItem(
                label="属地监管",
                url_name="filing:supervision_list",
                roles=Role.AGENCY_STAFF,
                order=60,
            )
        )
