"""The floor of the inbox: the same queries (filters, county choices, page count, one page of
rows with their occupations) and a minimal template, no context processors, no includes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import Context, Engine

from evalorg.review.views_inbox import filtered_inbox, inbox_paginator

TEMPLATE = Engine.get_default().from_string(
    "<p>{{ page.paginator.count }}</p><table>{% for a in page %}<tr>"
    "<td>{{ a.acknowledgement_no }}</td><td>{{ a.institution.name }}</td>"
    "<td>{{ a.institution.uscc }}</td><td>{{ a.institution.county.name }}</td>"
    "<td>{% for line in a.occupations.all %}{{ line.occupation.name }} {% endfor %}</td>"
    "<td>{{ a.state }}</td><td>{{ a.submitted_at }}</td></tr>{% endfor %}</table>"
)


def floor(request: HttpRequest) -> HttpResponse:
    form, applications = filtered_inbox(request)
    counties = len(form.fields["county"].choices)
    page = inbox_paginator(request, form, applications).get_page(request.GET.get("page"))
    return HttpResponse(TEMPLATE.render(Context({"page": page, "counties": counties})))
