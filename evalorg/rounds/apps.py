from django.apps import AppConfig


class RoundsConfig(AppConfig):
    name = "evalorg.rounds"
    label = "rounds"
    verbose_name = "遴选批次"

    def ready(self) -> None:
        from evalorg.core import checks_registry, demo
        from evalorg.core.reference import register

        from .defaults import demo_round, load_reference_round, years_of_open_rounds

        register(80, "rounds", load_reference_round)
        demo.register(5, "rounds", demo_round)
        checks_registry.register_years_provider(years_of_open_rounds)
        from evalorg.core.production_guard import register_demo_probe

        from .simulated import simulated_round_traces

        register_demo_probe(simulated_round_traces)
