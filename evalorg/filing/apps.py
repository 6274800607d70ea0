from django.apps import AppConfig


class FilingConfig(AppConfig):
    name = "evalorg.filing"
    label = "filing"
    verbose_name = "验收备案"

    def ready(self) -> None:
        from evalorg.applications.sections import register_case_section

        from .batches import register_batch_transitions
        from .sections import letter_section
        from .transitions import register_filing_transitions

        register_filing_transitions()
        register_batch_transitions()
        register_case_section(letter_section)
