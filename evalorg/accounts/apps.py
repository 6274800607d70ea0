from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "evalorg.accounts"
    label = "accounts"
    verbose_name = "账户与机构"

    def ready(self) -> None:
        from evalorg.core import demo

        from .demo import build_staff

        demo.register(10, "accounts", build_staff)
        from evalorg.core.reference import register

        from . import signals  # noqa: F401  (login auditing)
        from .agencies import load_agencies

        register(70, "agencies", load_agencies)
        from evalorg.core.production_guard import register_demo_probe

        from .demo_probe import demo_account_traces

        register_demo_probe(demo_account_traces)
        from .dashboard import contacts_to_fill
        from .navigation import register_dashboard

        register_dashboard(5, contacts_to_fill)
