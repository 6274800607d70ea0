from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "evalorg.simulation"
    verbose_name = "整批模拟"

    def ready(self) -> None:
        from evalorg.core import demo

        from .demo import build_simulated_round
        from .live import build_live_rounds

        # After every other builder: the simulation acts as their demo staff and experts.
        demo.register(90, "simulation", build_simulated_round)
        # Live work for every demo login (issue 22), after the finished round's audit events.
        demo.register(95, "live_rounds", build_live_rounds)
