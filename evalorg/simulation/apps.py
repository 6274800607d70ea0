from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "evalorg.simulation"
    verbose_name = "整批模拟"

    def ready(self) -> None:
        from evalorg.core import demo

        from .demo import build_simulated_round

        # After every other builder: the simulation acts as their demo staff and experts.
        demo.register(90, "simulation", build_simulated_round)
