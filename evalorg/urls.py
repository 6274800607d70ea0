from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from evalorg.api.main import api
from evalorg.core.health import healthz, readyz
from evalorg.filing.views_verify import short as verify_short
from evalorg.rounds.portal import front_door

admin.site.site_header = "EvalOrg 系统管理"
admin.site.site_title = "EvalOrg"

urlpatterns = [
    path("", front_door, name="home"),
    # For the load balancer (docs/deployment.md): alive, and ready to serve.
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/", include("evalorg.accounts.urls")),
    path("institution/", include("evalorg.institutions.urls")),
    path("applications/", include("evalorg.applications.urls")),
    path("review/", include(("evalorg.review.urls_inbox", "review_inbox"))),
    path("review/", include(("evalorg.review.urls_staff", "review"))),
    path("review/panels/", include(("evalorg.review.urls_panels", "panels"))),
    path("review/province/", include(("evalorg.selection.urls_province", "province"))),
    path("review/selection/", include(("evalorg.selection.urls", "selection"))),
    path("review/defense/", include(("evalorg.selection.urls_defense", "defense"))),
    path("expert/", include(("evalorg.review.urls_expert", "expert"))),
    path("messages/", include("evalorg.notify.urls")),
    path("publicity/", include("evalorg.publicity.urls_staff")),
    path("cultivation/", include("evalorg.cultivation.urls")),
    path("public/", include("evalorg.publicity.urls_public")),
    path("public/", include("evalorg.filing.urls_public")),
    path("public/verify/", include("evalorg.filing.urls_verify")),
    # The short URL printed under a filing letter's QR code (issue 25).
    path("v/<str:code>/", verify_short, name="verify_short"),
    path("filing/", include("evalorg.filing.urls")),
    path("supervision/", include("evalorg.supervision.urls")),
    path("sanctions/", include("evalorg.sanctions.urls")),
    path("public/", include("evalorg.sanctions.urls_public")),
    path("complaints/", include("evalorg.complaints.urls")),
    path("renewal/", include("evalorg.renewal.urls")),
    path("public/", include("evalorg.complaints.urls_public")),
    path("public/", include("evalorg.supervision.urls_public")),
    path("annual/", include("evalorg.annual.urls")),
    path("api/", api.urls),
    path("reports/", include("evalorg.reports.urls")),
    path("captcha/", include("captcha.urls")),
    # One login for everyone: the admin's own login form would skip the failure rates; the
    # second factor is then asked for by the middleware before any admin page.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("accounts:login"), query_string=True),
    ),
    path("admin/", admin.site.urls),
]

# A body cut off mid-upload (core.uploads) is a 413 with a Chinese message, not a bare 400.
handler400 = "evalorg.core.uploads.handler400"
