"""The project's URL conf plus one new named route, to show that the matrix notices it."""

from django.http import HttpResponse
from django.urls import path

from evalorg.urls import urlpatterns as project_patterns

urlpatterns = [
    *project_patterns,
    path("new-page/", lambda request: HttpResponse("new"), name="brand_new_page"),
]
