"""The project's URLs plus the benchmark's floor view (used only by bench/lists.py)."""

from django.urls import path

from evalorg.urls import urlpatterns as project_urls

from .floor import floor

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *project_urls]
