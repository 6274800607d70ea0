"""Institution self-service: sign-up, profile, members and N-2.4.2 declarations.

An applicant only ever sees its own institution: no view takes an institution id.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evalorg.accounts import ratelimits
from evalorg.accounts.models import Role, User
from evalorg.accounts.permissions import has_role
from evalorg.accounts.views import PENDING_ACTIVATION_KEY
from evalorg.catalog.models import Division
from evalorg.core import audit
from evalorg.core.actions import run_transition
from evalorg.core.files import (
    UploadRefused,
    atomic_uploads,
    file_response,
    release_when_replaced,
    store_upload,
)
from evalorg.core.models import StoredFile
from evalorg.core.workflow import available_actions

from . import signup as signup_mail
from .forms import (
    INSTITUTION_FIELDS,
    DeclarationForm,
    InstitutionEditForm,
    MemberAddForm,
    SignupForm,
)
from .identity import identity_locked
from .masking import mask_id_number, mask_phone
from .members import DEACTIVATE, REACTIVATE, admin_of_same_institution
from .models import ExclusionDeclaration, ExclusionItem, Institution, Membership, institution_of
from .uscc import UsccFacts, parse_uscc

EVIDENCE_KINDS = ["pdf", "jpeg", "png"]
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"

View = Callable[..., HttpResponse]


def applicant_required(view: View) -> View:
    """Login required; then role applicant with a membership, else 403.

    The wrapped view receives the user's own institution as its second argument.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        institution = institution_of(user) if has_role(user, Role.APPLICANT) else None
        if institution is None:
            raise PermissionDenied(_("仅申请机构的账户可以访问此页面。"))
        return view(request, institution, *args, **kwargs)

    # Navigation shows the view's entry to applicants alone, as ``role_required`` views'.
    wrapper.required_roles = frozenset({Role.APPLICANT})  # type: ignore[attr-defined]
    return wrapper


def _members(institution: Institution, viewer: User | None = None) -> list[dict[str, Any]]:
    """The institution's accounts for a list: one query, phone numbers masked; with the
    actions ``viewer`` (its admin) may take on each (asked of the engine, no query)."""
    memberships = (
        Membership.objects.filter(institution=institution)
        .select_related("user")
        .only(
            "status",
            "is_admin",
            "institution_id",
            "user__username",
            "user__full_name",
            "user__email",
            "user__phone",
            "user__is_active",
            "user__date_joined",
        )
        .order_by("user__date_joined", "pk")
    )
    return [
        {
            "user": m.user,
            "membership": m,
            "phone": mask_phone(m.user.phone),
            "actions": available_actions(m, viewer) if viewer is not None else [],
        }
        for m in memberships
    ]


def _summary_context(institution: Institution) -> dict[str, Any]:
    """The institution header shown outside the profile: personal numbers masked."""
    return {
        "institution": institution,
        "masked_id_number": mask_id_number(institution.legal_rep_id_number),
    }


GOVERNMENT_BODY_WARNING = _lazy(
    "统一社会信用代码显示为机关（11）。政府及其所属部门不在申报范围内（N-2.4.1），"
    "提交申请时将被拒绝；如登记信息有误，请核对营业执照（登记证书）。"
)


def _uscc_warnings(institution: Institution, facts: UsccFacts) -> list[str]:
    """N-2.1 / N-2.4.1 facts from the USCC that the institution and staff must look at."""
    if not facts.is_valid:
        return [_("%(error)s（N-2.1）") % {"error": facts.error}]
    if facts.type_code == "11":
        return [str(GOVERNMENT_BODY_WARNING)]
    if not facts.in_guangdong:
        return [
            _(
                "统一社会信用代码中的登记地区划（%(code)s）不在广东省，"
                "不符合在广东省登记注册的要求（N-2.1）。"
            )
            % {"code": facts.division_code}
        ]
    if facts.city_code != institution.city_id:
        return [
            _(
                "根据统一社会信用代码，机构登记地属于%(derived)s，与填报的所在地级市"
                "%(declared)s不一致，需人工核查（N-2.1）。"
            )
            % {
                "derived": facts.city_name or facts.division_code,
                "declared": institution.city.name,
            }
        ]
    return []


def _snapshot(institution: Institution) -> dict[str, Any]:
    return {
        name: Institution._meta.get_field(name).value_from_object(institution)
        for name in INSTITUTION_FIELDS
    }


def _taken_error() -> str:
    return _("提交期间用户名或统一社会信用代码已被注册，请核对后重试。")


# ---- sign-up --------------------------------------------------------------------------------


def _register(form: SignupForm) -> User | None:
    """Inactive account, institution and membership in one transaction; ``None`` if the
    username or USCC is taken (checked, or a race lost at the unique constraints). Sign-ups
    never activated in time give up the username and USCC first."""
    signup_mail.release_stale_signups(form.cleaned_data["username"], form.cleaned_data["uscc"])
    if form.taken():
        # The same work as an account created (hashing the password dominates), so the answer
        # takes as long either way and says nothing of the name or code (issue 21 item 6).
        make_password(form.cleaned_data["password1"])
        return None
    try:
        with transaction.atomic():
            user = form.create_user()
            user.is_active = False  # until the e-mailed link is opened (institutions/signup.py)
            user.save(update_fields=["is_active"])
            institution = form.save()
            # Who signs the institution up administers its accounts (issue 22).
            Membership.objects.create(user=user, institution=institution, is_admin=True)
            audit.record(
                "institution_registered",
                institution,
                actor=user,
                data={
                    "name": institution.name,
                    "uscc": institution.uscc,
                    "category": institution.category,
                    "level": institution.level,
                    "city": institution.city_id,
                },
            )
            audit.record(
                "user_registered",
                user,
                actor=user,
                data={"role": user.role, "institution": institution.pk, "via": "signup"},
            )
    except IntegrityError:
        return None
    return user


@require_http_methods(["GET", "POST"])
@ratelimits.limited(ratelimits.SIGNUP)
def signup(request: HttpRequest) -> HttpResponse:
    """A valid form always leads to "check your mailbox"; the e-mail says whether an account
    was created (activation link) or the username or USCC was already registered."""
    if request.user.is_authenticated:
        messages.info(request, _("您已登录，无需重复注册。"))
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _register(form)
        if user is None:
            data = form.cleaned_data
            signup_mail.send_already_registered(request, data["email"], data["username"])
        else:
            signup_mail.send_activation(request, user)
        return redirect("institutions:signup_sent")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "government_body_warning": GOVERNMENT_BODY_WARNING}
    return render(request, "institutions/signup.html", context, status=status)


@require_POST
@ratelimits.limited(ratelimits.SIGNUP)
def signup_resend(request: HttpRequest) -> HttpResponse:
    """A new activation link for the account that has just given its right password on the
    login page without being activated (the session remembers it, issue 22)."""
    pk = request.session.pop(PENDING_ACTIVATION_KEY, None)
    user = User.objects.filter(pk=pk, is_active=False, last_login__isnull=True).first()
    if user is None:
        messages.info(request, _("请先用注册时设置的用户名和密码登录，再重新发送激活邮件。"))
        return redirect("accounts:login")
    signup_mail.send_activation(request, user)
    audit.record("signup_activation_resent", user, actor=user, audience=audit.Audience.APPLICANT)
    return redirect("institutions:signup_sent")


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "institutions/signup_sent.html")


@require_http_methods(["GET", "POST"])
def signup_activate(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links activate nothing); POST activates
    the account and logs it in."""
    user = signup_mail.user_for_activation(uidb64, token)
    if user is None:
        return render(request, "institutions/signup_activate.html", {"valid": False}, status=400)
    if request.method == "GET":
        context = {"valid": True, "username": user.get_username()}
        return render(request, "institutions/signup_activate.html", context)
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record("signup_activated", user, actor=user)
    login(request, user, backend=LOGIN_BACKEND)
    # The profile shows the USCC warnings (N-2.4.1 included) once; no second copy as a message.
    messages.success(request, _("注册成功，欢迎使用。请核对机构信息并填写排除情形声明。"))
    return redirect("institutions:profile")


@require_GET
def county_options(request: HttpRequest) -> HttpResponse:
    """htmx: the ``<option>``s of the chosen city's counties."""
    city = request.GET.get("city", "")
    counties = Division.objects.filter(level=Division.Level.COUNTY, parent_id=city).order_by("code")
    return render(request, "institutions/_county_options.html", {"counties": counties})


# ---- profile --------------------------------------------------------------------------------


@applicant_required
def profile(request: HttpRequest, institution: Institution) -> HttpResponse:
    facts = parse_uscc(institution.uscc)
    context = {
        "institution": institution,
        "facts": facts,
        "warnings": _uscc_warnings(institution, facts),
        "members": _members(institution, request.user),
        "identity_changes": institution.identity_changes.order_by("-requested_at", "-pk")[:5],
    }
    return render(request, "institutions/profile.html", context)


@applicant_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, institution: Institution) -> HttpResponse:
    before = _snapshot(institution)
    locked = identity_locked(institution)
    form = InstitutionEditForm(request.POST or None, instance=institution, identity_locked=locked)
    if request.method == "POST" and form.is_valid():
        after = _snapshot(form.instance)
        changed = [name for name in INSTITUTION_FIELDS if before[name] != after[name]]
        if not changed:
            messages.info(request, _("未作任何修改。"))
            return redirect("institutions:profile")
        try:
            with transaction.atomic():
                form.save()
                # Field names only: values (the legal representative's ID number) stay out.
                audit.record("institution_updated", institution, data={"changed": changed})
        except IntegrityError:
            form.add_error(None, _taken_error())
        else:
            messages.success(request, _("机构信息已保存。"))
            return redirect("institutions:profile")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "identity_locked": locked,
        "government_body_warning": GOVERNMENT_BODY_WARNING,
    }
    return render(request, "institutions/profile_edit.html", context, status=status)


# ---- members --------------------------------------------------------------------------------


MEMBER_USERNAME_TRIES = 50


def member_username(institution: Institution, n: int) -> str:
    """The ``n``-th candidate username of a member: the institution's code and a number."""
    return f"u{institution.uscc[-8:].lower()}_{n:02d}"


def _create_member(form: MemberAddForm, institution: Institution) -> User:
    """The account under the first free candidate username (each tried in a savepoint)."""
    start = institution.memberships.count() + 1
    for n in range(start, start + MEMBER_USERNAME_TRIES):
        try:
            with transaction.atomic():
                return form.create_member(member_username(institution, n))
        except IntegrityError:
            continue
    raise IntegrityError("no free member username")


@applicant_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, institution: Institution) -> HttpResponse:
    """The username is given by the system, so the page says nothing of other people's."""
    form = MemberAddForm(request.POST or None, institution_name=institution.name)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = _create_member(form, institution)
            Membership.objects.create(user=user, institution=institution)
            audit.record(
                "member_added",
                institution,
                data={"user_id": user.pk, "username": user.username},
            )
            audit.record(
                "user_registered",
                user,
                data={"role": user.role, "institution": institution.pk, "via": "member_add"},
            )
        messages.success(
            request,
            _("已添加用户“%(name)s”，登录用户名为 %(username)s，请告知本人。")
            % {"name": user.display_name, "username": user.username},
        )
        return redirect("institutions:profile")
    members = _members(institution, request.user)
    context = {"form": form, "members": members, **_summary_context(institution)}
    status = 400 if request.method == "POST" else 200
    return render(request, "institutions/member_add.html", context, status=status)


MEMBER_ACTIONS = (DEACTIVATE.action, REACTIVATE.action)


@applicant_required
@require_POST
def member_action(
    request: HttpRequest, institution: Institution, pk: int, action: str
) -> HttpResponse:
    """An admin deactivates or reactivates another account of its own institution (issue 22);
    anyone else's membership is not found, a member who is not an admin is refused."""
    membership = get_object_or_404(
        Membership.objects.select_related("user", "institution"), pk=pk, institution=institution
    )
    if action not in MEMBER_ACTIONS:
        raise Http404
    if not admin_of_same_institution(membership, request.user):
        raise PermissionDenied(_("只有本机构的管理员可以停用或恢复用户。"))
    return run_transition(request, membership, action, back=reverse("institutions:profile"))


# ---- N-2.4.2 declarations -------------------------------------------------------------------


def _store_evidence(form: DeclarationForm, user: User, stored: dict[str, StoredFile]) -> None:
    """Store each uploaded evidence file into ``stored``; a refused upload is marked on the form
    and re-raised (``UploadRefused``), which rolls the declarations transaction back."""
    for item in ExclusionItem:
        uploaded = form.upload(item)
        if not uploaded:
            continue
        try:
            stored[item.value] = store_upload(
                uploaded, allowed_kinds=EVIDENCE_KINDS, max_bytes=EVIDENCE_MAX_BYTES, user=user
            )
        except UploadRefused as refused:
            form.add_error(form.name_for(item, "evidence"), refused.message)
            raise


def _save_declarations(form: DeclarationForm, institution: Institution, user: User) -> bool:
    """Upsert the four answers and audit; all or nothing (``False`` after a refused upload)."""
    stored: dict[str, StoredFile] = {}
    try:
        with atomic_uploads():
            _store_evidence(form, user, stored)
            replaced = ExclusionDeclaration.objects.filter(
                institution=institution, item__in=list(stored), evidence__isnull=False
            ).values_list("evidence_id", flat=True)
            for evidence_id in list(replaced):
                release_when_replaced(evidence_id)  # after the new one is saved and committed
            answers: dict[str, bool] = {}
            for item in ExclusionItem:
                applies, explanation = form.answer(item)
                defaults: dict[str, Any] = {"applies": applies, "explanation": explanation}
                if item.value in stored:
                    defaults["evidence"] = stored[item.value]
                ExclusionDeclaration.objects.update_or_create(
                    institution=institution, item=item.value, defaults=defaults
                )
                answers[item.value] = applies
            audit.record(
                "declarations_saved",
                institution,
                data={"answers": answers, "evidence_added": sorted(stored)},
            )
    except UploadRefused:
        return False
    return True


@applicant_required
@require_http_methods(["GET", "POST"])
def declarations(request: HttpRequest, institution: Institution) -> HttpResponse:
    existing = {
        d.item: d for d in institution.declarations.select_related("evidence").order_by("pk")
    }
    form = DeclarationForm(request.POST or None, request.FILES or None, declarations=existing)
    if (
        request.method == "POST"
        and form.is_valid()
        and _save_declarations(form, institution, request.user)
    ):
        messages.success(request, _("排除情形声明已保存。"))
        return redirect("institutions:declarations")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, **_summary_context(institution)}
    return render(request, "institutions/declarations.html", context, status=status)


@applicant_required
@require_GET
def declaration_evidence(request: HttpRequest, institution: Institution, pk: int) -> HttpResponse:
    declaration = get_object_or_404(
        ExclusionDeclaration.objects.select_related("evidence"),
        pk=pk,
        institution=institution,
        evidence__isnull=False,
    )
    return file_response(declaration.evidence)
