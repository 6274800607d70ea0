"""Rate limits on login, sign-up and password reset, per client IP and per account.

Counters live in the default cache (django-ratelimit's fixed windows). Login counts only
failures, so a city office behind one NAT address can log in all morning; sign-up and password
reset count every POST (each sends an e-mail). Over a limit the answer is the Chinese 429 page.
"""

from __future__ import annotations

import functools
import ipaddress
import os
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import get_usage


def _networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``EVALORG_TRUSTED_PROXIES``: addresses or CIDRs of our own reverse proxies, separated by
    commas or spaces. A bare count (round one's ``1``) trusts nobody: a count cannot tell our
    proxy from a client that reached the app server directly (issue 21 item 9)."""
    networks = []
    for part in value.replace(",", " ").split():
        if part.isdigit():
            continue  # the former count; see docs/security.md, "Client address"
        networks.append(ipaddress.ip_network(part, strict=False))
    return tuple(networks)


TRUSTED_PROXIES = _networks(os.environ.get("EVALORG_TRUSTED_PROXIES", ""))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    return address is not None and any(address in network for network in TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless it is one of our proxies; then the right-most
    ``X-Forwarded-For`` entry that is not one of our proxies (the one our proxy appended).

    Entries a client writes itself sit to the left of what our proxies append, so they never
    decide a lockout; a request that did not come through a trusted proxy is judged by its
    own address whatever headers it carries.
    """
    remote = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    if not _trusted(_address(remote)):
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    for entry in reversed(forwarded):
        address = _address(entry)
        if address is None:
            return remote  # our proxy appends addresses; anything else is not to be trusted
        if not _trusted(address):
            return str(address)
    return remote


def ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def account_key(field: str):
    """A key on the POSTed account name (username or e-mail), case-folded; on the second-factor
    form, which has no such field, the half-logged-in user's username."""

    def key(group: str, request: HttpRequest) -> str:
        name = request.POST.get(field)
        if name is None and getattr(request, "user", None) and request.user.is_authenticated:
            name = request.user.get_username()
        return (name or "").strip().casefold()

    return key


@dataclass(frozen=True)
class Limit:
    group: str
    rate: str
    key: object  # a django-ratelimit key callable
    method: object = "POST"  # the methods counted (django-ratelimit: a name, or ALL)


# 20 wrong passwords or codes from one address in 10 minutes: slows a sweep over many accounts
# (the per-account-and-IP lockout alone lets 4 tries per account through). Over it: 429.
LOGIN_IP = (Limit("login-fail-ip", "20/10m", ip_key),)
# 30 wrong passwords on one account in an hour from any number of addresses, counting only the
# attempts whose password was checked (not those refused by a lockout, a limit or a missing
# captcha). Over it the account is not closed (that would let anyone lock its owner out): the
# login asks for a captcha with the password, so guessing stays slow and the owner gets in.
ACCOUNT_PASSWORD = (Limit("login-fail-account", "30/h", account_key("username")),)
LOGIN_FAILURES = (*LOGIN_IP, *ACCOUNT_PASSWORD)
# Wrong second-factor codes: only someone who had the password makes them, so over the limit
# the answer is 429 (10 an hour on one account, on top of the per-address limit).
CODE_FAILURES = (*LOGIN_IP, Limit("otp-fail-account", "10/h", account_key("username")))
# Wrong API tokens from one address (any method: a token is checked on GETs too).
API_TOKEN_FAILURES = (Limit("api-token-fail-ip", "20/10m", ip_key, method=ALL),)
SIGNUP = (
    Limit("signup-ip", "10/h", ip_key),
    Limit("signup-account", "5/h", account_key("email")),
)
PASSWORD_RESET = (
    Limit("reset-ip", "10/h", ip_key),
    Limit("reset-account", "3/h", account_key("email")),
)


def _usage(request: HttpRequest, limit: Limit, increment: bool) -> dict | None:
    if not limit.key(limit.group, request):
        return None  # no account named (an empty form): only the per-IP limit applies
    return get_usage(
        request,
        group=limit.group,
        key=limit.key,
        rate=limit.rate,
        method=limit.method,
        increment=increment,
    )


def exceeded(request: HttpRequest, limits: tuple[Limit, ...]) -> bool:
    """True when a POST is already over one of the limits (counts nothing)."""
    for limit in limits:
        usage = _usage(request, limit, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            return True
    return False


def count(request: HttpRequest, limits: tuple[Limit, ...]) -> None:
    """Count one POST (a failure, or an e-mail sent) against each limit."""
    for limit in limits:
        _usage(request, limit, increment=True)


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The Chinese 429 page (also RATELIMIT_VIEW)."""
    return render(request, "429.html", status=429)


def limited(limits: tuple[Limit, ...]):
    """View decorator: a POST over a limit gets the 429 page; every POST counts."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                if exceeded(request, limits):
                    return too_many_requests(request)
                count(request, limits)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
