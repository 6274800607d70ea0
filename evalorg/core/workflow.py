"""The process engine (SPEC §5): transition tables and the one function that moves an object.

Every stateful model (cases, occupation lines, later stages' records) has one ``Workflow``: a
table of ``Transition``s over one state field. ``perform()`` moves any registered object: it
locks the row, checks role, relation, state and guards, changes the state, runs the effects and
writes the audit event, in one transaction; nothing else assigns a state. ``perform_many()``
moves a batch all or nothing, with one batch id in every audit event of the batch.

Registries refuse duplicates: registering an action or a model twice raises at start-up, so a
later stage can never silently replace an earlier stage's rule.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils.translation import gettext as _

from . import audit
from .audit import Audience

Guard = Callable[[Any, Any, dict[str, Any]], "Refusal | list[Refusal] | None"]
Effect = Callable[[Any, Any, dict[str, Any]], None]
Relation = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Refusal:
    clause: str
    message: str

    def __str__(self) -> str:
        return f"{self.message}（{self.clause}）"


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


@dataclass
class Workflow:
    """The transition table of one model's state field."""

    model: type[models.Model]
    state_field: str
    name: str
    table: dict[str, Transition] = field(default_factory=dict)

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

    def state_of(self, obj: Any) -> str:
        state: str = getattr(obj, self.state_field)
        return state

    def state_label(self, obj: Any) -> str:
        return str(getattr(obj, f"get_{self.state_field}_display")())


_workflows: dict[type[models.Model], Workflow] = {}
_batch: contextvars.ContextVar[str | None] = contextvars.ContextVar("workflow_batch", default=None)


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
    return locked


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
