"""Years whose working-day calendar must exist; stage apps (rounds) register providers."""

from collections.abc import Callable

_providers: list[Callable[[], set[int]]] = []


def register_years_provider(provider: Callable[[], set[int]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def years_needed() -> set[int]:
    years: set[int] = set()
    for provider in _providers:
        years |= provider()
    return years
