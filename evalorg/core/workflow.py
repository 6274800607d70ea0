"""The process engine (SPEC §5): transition tables and the one function that moves an object.

Every stateful model (cases, occupation lines, later stages' records) has one ``Workflow``: a
table of ``Transition``s over one state field. ``perform()`` moves any registered object: it
locks the row, checks role, relation, state and guards, changes the state, runs the effects and
writes the audit event, in one transaction; nothing else assigns a state. ``perform_many()``
moves a batch all or nothing, with one batch id in every audit event of the batch.

Registries refuse duplicates: registering an action or a model twice raises at start-up, so a
later stage can never silently replace an earlier stage's rule.

Each transition also declares who is told (``tell``: ``Tell``s naming a ``Party`` and a
``Channel``, or ``Nobody`` with the reason). Apps register, per model, how a party resolves to
recipients (``register_party``) and what messages may say of an object
(``register_description``); the notify app registers the delivery (``set_delivery``).
``perform`` tells the declared parties after the new state is saved and audited, in the same
transaction.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import audit
from .audit import Audience

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Guard = Callable[[Any, Any, dict[str, Any]], "Refusal | list[Refusal] | None"]
Effect = Callable[[Any, Any, dict[str, Any]], None]
Relation = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Refusal:
    clause: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}（{self.clause}）"

    @property
    def shown(self) -> str:
        """The text for users: the clause only when it is the notice's (N-…); SPEC-n ids are
        our own specification's and mean nothing to them (issue 22)."""
        return str(self) if is_public_clause(self.clause) else self.message


def is_public_clause(clause: str) -> bool:
    """A clause of the published notice (N-2.4.1 …), as opposed to an internal SPEC-n id."""
    return clause.startswith("N-")


class TransitionRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("；".join(str(r) for r in refusals))


@dataclass(frozen=True)
class BatchItemRefused:
    obj: Any
    refusals: list[Refusal]


class BatchRefused(TransitionRefused):
    """One or more items of a batch were refused; nothing of the batch was changed."""

    def __init__(self, failures: list[BatchItemRefused]):
        self.failures = failures
        refusals = [
            Refusal(r.clause, f"{failure.obj}：{r.message}")
            for failure in failures
            for r in failure.refusals
        ]
        super().__init__(refusals)


def anyone(obj: Any, user: Any) -> bool:
    return True


# ---- who is told (SPEC §5: every transition "queues the notifications") -----------------------


class Party(StrEnum):
    """Whom a transition may tell; each workflow resolves the parties it uses to recipients."""

    APPLICANT = "applicant"
    RECEIVING_AGENCY = "receiving_agency"
    PROVINCE = "province"
    DEPARTMENT = "department"
    EXPERTS = "experts"
    OBJECTOR = "objector"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    BOTH = "both"

    @property
    def in_app(self) -> bool:
        return self in (Channel.IN_APP, Channel.BOTH)

    @property
    def email(self) -> bool:
        return self in (Channel.EMAIL, Channel.BOTH)


Values = Callable[[Any, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Tell:
    """One party told of a transition: the subject and body are Chinese templates formatted
    (``%``) with the object's description (``register_description``: e.g. ``institution``, ``no``,
    ``occupation``, ``level``), ``action`` (the label), ``state`` (the new state's label),
    ``reason`` (the reason given, or ""), ``reason_line`` (``\n理由：…`` or "") and what
    ``values(obj, data)`` adds. ``when(obj, data)`` False: not told this time."""

    party: Party
    subject: StrOrPromise
    body: StrOrPromise = ""
    channel: Channel = Channel.BOTH
    values: Values | None = None
    when: Callable[[Any, dict[str, Any]], bool] | None = None


@dataclass(frozen=True)
class Nobody:
    """The declaration of a transition that tells no one, with the reason (for the reader and
    the audience test, which tells "nobody" from "forgotten")."""

    why: str


@dataclass(frozen=True)
class Recipients:
    """Who a party is for one object: accounts told in-app (linked to ``url``) and addresses
    e-mailed (accounts' addresses are the resolver's to add)."""

    users: list[Any] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    url: str = ""


@dataclass(frozen=True)
class Notice:
    """One message of one event, as the delivery receives it."""

    party: Party
    channel: Channel
    users: list[Any]
    emails: list[str]
    subject: str
    body: str
    url: str


Resolver = Callable[[Any], Recipients]
Describer = Callable[[Any], dict[str, Any]]
Delivery = Callable[[list[Notice]], None]

# Keyed by model, not by workflow: an app may resolve the parties of another app's records
# without importing the module that defines their workflow (nor depending on its order).
_parties: dict[type[models.Model], dict[Party, Resolver]] = {}
_describers: dict[type[models.Model], Describer] = {}


def register_party(model: type[models.Model], party: Party, resolver: Resolver) -> None:
    """How ``party`` resolves to recipients for an object of ``model`` (once per party)."""
    resolvers = _parties.setdefault(model, {})
    if party in resolvers:
        raise ImproperlyConfigured(f"{model.__name__}: party {party!r} is resolved twice.")
    resolvers[party] = resolver


def register_description(model: type[models.Model], describer: Describer) -> None:
    """What messages may say of an object of ``model`` (template values: institution…)."""
    if model in _describers:
        raise ImproperlyConfigured(f"{model.__name__} is described twice.")
    _describers[model] = describer


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    relation: Relation = anyone
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    # Run after the new state is saved and audited, in the same transaction: for effects that
    # move other objects whose guards read this one's new state (e.g. its occupation lines).
    after: tuple[Effect, ...] = ()
    needs_reason: bool = False
    style: str = "primary"
    audit_fields: tuple[str, ...] = ("reason",)
    # Who may read the audit event: the applicant (and staff), staff, or the reviewing agency.
    audience: str = Audience.STAFF
    # Whether the reason is shown to the applicant beside an applicant-audience event.
    reason_to_applicant: bool = False
    # Irreversible actions ask first (SPEC-1 usability, issue #10): the question shown in the
    # browser dialog (static/js/confirm.js) and, without it, on the server's confirm page.
    confirm: str = ""
    # Whether pages and the API offer the action object by object (``available_actions``).
    # False for an action only a batch performs (acceptance and filing, N-4.3: through an
    # approved acceptance batch); ``perform`` still checks it, its guards refuse outside one.
    offered: bool = True
    # Who is told, and how: ``Tell``s, or ``Nobody(why)``. None is "not declared" (a test fails).
    tell: tuple[Tell, ...] | Nobody | None = None


@dataclass
class Workflow:
    """The transition table of one model's state field."""

    model: type[models.Model]
    state_field: str
    name: str
    table: dict[str, Transition] = field(default_factory=dict)

    @property
    def parties(self) -> dict[Party, Resolver]:
        """How each party resolves for this workflow's objects (``register_party``)."""
        return _parties.get(self.model, {})

    def register(self, *transitions: Transition) -> None:
        for transition in transitions:
            if transition.action in self.table:
                raise ImproperlyConfigured(
                    f"Workflow {self.name}: action {transition.action!r} is registered twice."
                )
            self.table[transition.action] = transition

    def add_guards(self, action: str, *guards: Guard) -> None:
        """A later stage adds guards to an action an earlier stage registered (cultivation: the
        signed commitment letter before ``submit_bank``). Adding a guard twice raises."""
        transition = self.table.get(action)
        if transition is None:
            raise ImproperlyConfigured(f"Workflow {self.name}: no action {action!r}.")
        for guard in guards:
            if guard in transition.guards:
                raise ImproperlyConfigured(
                    f"Workflow {self.name}: guard {guard!r} is added to {action!r} twice."
                )
        self.table[action] = replace(transition, guards=transition.guards + tuple(guards))

    def add_after(self, action: str, *effects: Effect) -> None:
        """A later stage adds ``after`` effects to an action an earlier stage registered
        (cultivation: the question-bank decision's record after ``pass_bank``). Twice raises."""
        transition = self.table.get(action)
        if transition is None:
            raise ImproperlyConfigured(f"Workflow {self.name}: no action {action!r}.")
        for effect in effects:
            if effect in transition.after:
                raise ImproperlyConfigured(
                    f"Workflow {self.name}: effect {effect!r} is added to {action!r} twice."
                )
        self.table[action] = replace(transition, after=transition.after + tuple(effects))

    def state_of(self, obj: Any) -> str:
        state: str = getattr(obj, self.state_field)
        return state

    def state_label(self, obj: Any) -> str:
        return str(getattr(obj, f"get_{self.state_field}_display")())


_workflows: dict[type[models.Model], Workflow] = {}
_batch: contextvars.ContextVar[str | None] = contextvars.ContextVar("workflow_batch", default=None)
_delivery: list[Delivery] = []


def set_delivery(delivery: Delivery) -> None:
    """The notify app's delivery of the notices ``perform`` makes (registered once)."""
    if _delivery:
        raise ImproperlyConfigured("The workflow's delivery is registered twice.")
    _delivery.append(delivery)


def define(model: type[models.Model], state_field: str, name: str) -> Workflow:
    if model in _workflows:
        raise ImproperlyConfigured(f"A workflow for {model.__name__} is defined twice.")
    workflow = Workflow(model=model, state_field=state_field, name=name)
    _workflows[model] = workflow
    return workflow


def workflow_of(obj_or_model: Any) -> Workflow:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _workflows[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} has no workflow.") from None


def workflows() -> list[Workflow]:
    return list(_workflows.values())


def role_allows(transition: Transition, user: Any) -> bool:
    """Whether the user's role is one of the transition's (the relation aside)."""
    return user is not None and user.is_authenticated and user.role in transition.roles


def _relation_allows(transition: Transition, obj: Any, user: Any) -> bool:
    return role_allows(transition, user) and transition.relation(obj, user)


def allows(transition: Transition, obj: Any, user: Any) -> bool:
    """Whether the user's role and relation to ``obj`` allow ``transition`` (state and guards
    aside): the API tells "not yours to do" (403) from "not now" (409) with it."""
    return _relation_allows(transition, obj, user)


def available_actions(obj: Any, user: Any) -> list[Transition]:
    """Actions this user may take on ``obj`` now (guards are checked when performed)."""
    workflow = workflow_of(obj)
    state = workflow.state_of(obj)
    return [
        t
        for t in workflow.table.values()
        if t.offered and state in t.sources and _relation_allows(t, obj, user)
    ]


def check(obj: Any, action: str, actor: Any, data: dict[str, Any] | None = None) -> list[Refusal]:
    workflow = workflow_of(obj)
    transition = workflow.table.get(action)
    if transition is None:
        return [Refusal("SPEC-5", _("未知的操作“%(action)s”。") % {"action": action})]
    what = workflow.model._meta.verbose_name
    if not _relation_allows(transition, obj, actor):
        return [
            Refusal(
                "SPEC-1",
                _("您无权对该%(what)s执行“%(label)s”。")
                % {"what": what, "label": transition.label},
            )
        ]
    if workflow.state_of(obj) not in transition.sources:
        return [
            Refusal(
                "SPEC-5",
                _("%(what)s当前状态为“%(state)s”，不能执行“%(label)s”。")
                % {"what": what, "state": workflow.state_label(obj), "label": transition.label},
            )
        ]
    data = {} if data is None else data
    if transition.needs_reason and not str(data.get("reason", "")).strip():
        return [Refusal("SPEC-5", _("请填写“%(label)s”的理由。") % {"label": transition.label})]
    refusals: list[Refusal] = []
    for guard in transition.guards:
        result = guard(obj, actor, data)
        if isinstance(result, list):
            refusals.extend(result)
        elif result is not None:
            refusals.append(result)
    return refusals


def changed_meanwhile(obj: Any, seen: str, action: str = "") -> Refusal:
    """The refusal for a caller whose view of ``obj`` (state ``seen``) is older than the row:
    someone else moved it in between (two staff acting at once, a page left open)."""
    workflow = workflow_of(obj)
    transition = workflow.table.get(action)
    values = {
        "what": workflow.model._meta.verbose_name,
        "state": workflow.state_label(obj),
        "label": transition.label if transition else "",
    }
    if transition is None:
        text = _("该%(what)s已被他人处理，当前状态为“%(state)s”；您的操作未生效，请刷新页面查看。")
    else:
        text = _(
            "该%(what)s已被他人处理，当前状态为“%(state)s”，不能再执行“%(label)s”；"
            "您的操作未生效，请刷新页面查看。"
        )
    return Refusal("SPEC-5", text % values)


def lock(obj: Any, action: str = "") -> Any:
    """Lock ``obj``'s row until the end of the transaction and return it as stored; refused
    with ``changed_meanwhile`` when its state is no longer the one ``obj`` was read with.

    A caller that writes other rows (and audits them) before ``perform()`` in one transaction
    calls this first, so that every writer takes the object's row before the other rows it
    writes: one lock order, hence no deadlock between it and a plain ``perform()`` on the same
    object, and the race is refused as "changed meanwhile" rather than aborted."""
    workflow = workflow_of(obj)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("workflow.lock() outside a transaction locks nothing.")
    locked = workflow.model._default_manager.select_for_update().get(pk=obj.pk)
    seen = workflow.state_of(obj)
    if workflow.state_of(locked) != seen:
        raise TransitionRefused([changed_meanwhile(locked, seen, action)])
    return locked


def _refusals(
    workflow: Workflow, locked: Any, seen: str, action: str, found: list[Refusal]
) -> list[Refusal]:
    """``found``, or the one "changed meanwhile" refusal when the caller saw a state this
    action starts from and the row has moved on from it since."""
    transition = workflow.table.get(action)
    now = workflow.state_of(locked)
    if transition and seen != now and seen in transition.sources and now not in transition.sources:
        return [changed_meanwhile(locked, seen, action)]
    return found


def perform(obj: Any, action: str, actor: Any, **data: Any) -> Any:
    """Move ``obj`` by ``action``; raises ``TransitionRefused`` and changes nothing.

    The row is locked (``SELECT … FOR UPDATE``) and every check runs on it as stored, not on
    the caller's copy: of two conflicting actions at once, the second waits for the first and
    is then refused, told that someone else changed the object meanwhile."""
    workflow = workflow_of(obj)
    seen = workflow.state_of(obj)
    with transaction.atomic():
        locked = workflow.model._default_manager.select_for_update().get(pk=obj.pk)
        refusals = check(locked, action, actor, data)
        if refusals:
            raise TransitionRefused(_refusals(workflow, locked, seen, action, refusals))
        transition = workflow.table[action]
        from_state = workflow.state_of(locked)
        setattr(locked, workflow.state_field, transition.target)
        for effect in transition.effects:
            effect(locked, actor, data)
        locked.save()
        audited = {k: data[k] for k in transition.audit_fields if k in data}
        if batch := _batch.get():
            audited["batch"] = batch
        audit.record(
            action,
            locked,
            actor=actor,
            from_state=from_state,
            to_state=workflow.state_of(locked),
            data=audited,
            audience=transition.audience,
        )
        for effect in transition.after:
            effect(locked, actor, data)
        tell(workflow, transition, locked, data)
    return locked


# ---- telling the parties ----------------------------------------------------------------------


def _reason_line(reason: str) -> str:
    return _("\n理由：%(reason)s") % {"reason": reason} if reason else ""


def message_values(
    workflow: Workflow, transition: Transition, obj: Any, data: dict[str, Any]
) -> dict[str, Any]:
    """The values every template of ``transition`` may use for ``obj``."""
    return _values(workflow, str(transition.label), obj, data)


def _values(workflow: Workflow, label: str, obj: Any, data: dict[str, Any]) -> dict[str, Any]:
    reason = str(data.get("reason", "") or "").strip()
    values: dict[str, Any] = {
        "action": label,
        "state": workflow.state_label(obj),
        "reason": reason,
        "reason_line": _reason_line(reason),
    }
    if describer := _describers.get(workflow.model):
        values.update(describer(obj))
    return values


def notices(
    workflow: Workflow, transition: Transition, obj: Any, data: dict[str, Any]
) -> list[Notice]:
    """The messages of one event: each declared party once, and no account or address told
    twice (a city staff member who is also the receiving agency gets one message)."""
    if not isinstance(transition.tell, tuple) or not transition.tell:
        return []
    base = message_values(workflow, transition, obj, data)
    return _render(workflow, transition.action, transition.tell, obj, data, base)


def _render(
    workflow: Workflow,
    event: str,
    tells: tuple[Tell, ...],
    obj: Any,
    data: dict[str, Any],
    base: dict[str, Any],
) -> list[Notice]:
    told_users: set[Any] = set()
    told_emails: set[str] = set()
    made: list[Notice] = []
    for declared in tells:
        if declared.when is not None and not declared.when(obj, data):
            continue
        resolver = workflow.parties.get(declared.party)
        if resolver is None:
            raise ImproperlyConfigured(
                f"Workflow {workflow.name}: {event!r} tells {declared.party!r}, "
                "which it does not resolve."
            )
        recipients = resolver(obj)
        values = base | (declared.values(obj, data) if declared.values else {})
        users = [u for u in recipients.users if u.pk not in told_users]
        emails = sorted({e for e in recipients.emails if e and e not in told_emails})
        users = users if declared.channel.in_app else []
        emails = emails if declared.channel.email else []
        if not users and not emails:
            continue
        told_users.update(u.pk for u in users)
        told_emails.update(emails)
        made.append(
            Notice(
                party=declared.party,
                channel=declared.channel,
                users=users,
                emails=emails,
                # one line (an e-mail header), as long as the message rows allow
                subject=(str(declared.subject) % values).replace("\n", " ")[:200],
                body=str(declared.body) % values if declared.body else "",
                url=recipients.url,
            )
        )
    return made


def tell(workflow: Workflow, transition: Transition, obj: Any, data: dict[str, Any]) -> None:
    """Tell the parties ``transition`` declares (in the caller's transaction)."""
    _deliver(notices(workflow, transition, obj, data))


def announce(obj: Any, *tells: Tell, **data: Any) -> None:
    """Tell parties of an event on ``obj`` that is no transition (a record created in its
    first state, e.g. an acceptance batch proposed), with the same resolvers, templates and
    delivery as a transition's ``tell`` (``action`` is empty)."""
    workflow = workflow_of(obj)
    base = _values(workflow, "", obj, data)
    _deliver(_render(workflow, "(announce)", tells, obj, data, base))


def _deliver(made: list[Notice]) -> None:
    if not made:
        return
    if not _delivery:
        raise ImproperlyConfigured("No delivery registered for the workflow's notices.")
    _delivery[0](made)


@dataclass(frozen=True)
class Batch:
    id: str
    done: list[Any]


@contextmanager
def _in_batch(batch_id: str) -> Iterator[None]:
    token = _batch.set(batch_id)
    try:
        yield
    finally:
        _batch.reset(token)


def perform_many(objects: Iterable[Any], action: str, actor: Any, **data: Any) -> Batch:
    """Move every object by ``action``, all or nothing, under one batch id.

    Every object is tried, so a refusal names all the refused items at once
    (``BatchRefused.failures``); then the whole batch rolls back.
    """
    batch_id = uuid.uuid4().hex
    done: list[Any] = []
    failures: list[BatchItemRefused] = []
    objects = list(objects)
    with transaction.atomic(), _in_batch(batch_id):
        _lock_all(objects)
        for obj in objects:
            try:
                with transaction.atomic():
                    done.append(perform(obj, action, actor, **dict(data)))
            except TransitionRefused as refused:
                failures.append(BatchItemRefused(obj, refused.refusals))
        if failures:
            raise BatchRefused(failures)
    return Batch(batch_id, done)


def _lock_all(objects: list[Any]) -> None:
    """Lock every row of a batch, in primary-key order, before moving any of them.

    Locking each one only when it moves would let two batches over the same rows in other
    orders (or a transition whose effects lock another of them) wait for each other, and
    PostgreSQL would abort one. (The audit log locks nothing shared in the caller's
    transaction since issue 18: ``audit.record`` writes unsealed, ``seal_pending`` chains.)"""
    by_model: dict[type[models.Model], list[Any]] = {}
    for obj in objects:
        by_model.setdefault(workflow_of(obj).model, []).append(obj.pk)
    for model, pks in by_model.items():
        list(model._default_manager.select_for_update().filter(pk__in=pks).order_by("pk"))


def current_batch() -> str | None:
    """The id of the batch being performed, for effects that stamp their own records."""
    return _batch.get()
