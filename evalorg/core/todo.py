"""The to-do list (issue 19 item 1; DESIGN "Who may act, and what waits for whom").

Nobody registers to-do items: the list is the set of objects on which a user has an offered
action now, over every workflow of the engine. Each app registers one ``Source`` per workflow
in its ``ready()`` (the way ``applications.access.register_scope`` is registered, so that core
imports no stage): which objects of the model the user may see (``scope``), where the action is
performed (``link``), the stage it belongs to and the item's deadline from the model's own
dates. Actions nobody waits for (withdrawing, revising a decision) are ``optional``.

A transition's relation is asked object by object, so it must read only what ``scope`` loaded
(foreign-key ids, ``select_related`` rows). A relation that needs a query per object, or an
action that is only work once a date has come, is given a ``narrow`` instead: one query for
every candidate at once (``by_queryset``). The list therefore costs a constant number of
queries however many objects are on it (tests/core/test_todo.py counts them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .workflow import Transition, Workflow, allows, role_allows, workflow_of


class Stage(models.TextChoices):
    """SPEC §6, in process order: the groups of the to-do list."""

    APPLICATION = "application", _("申请")
    CITY_REVIEW = "city_review", _("初审评估")
    PROVINCIAL = "provincial", _("省级评审")
    PUBLICITY = "publicity", _("公示")
    CULTIVATION = "cultivation", _("培育")
    ACCEPTANCE = "acceptance", _("验收备案")
    SUPERVISION = "supervision", _("监督")


# Items listed per stage on the home page; the counts are of every item.
SHOWN = 20
STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}

# Given every candidate of one source and the user: which of them the action is for.
Narrow = Callable[[Sequence[Any], Any], Callable[[Any], bool]]
Link = Callable[[Any, Transition], str]


@dataclass(frozen=True)
class Source:
    """Where one workflow's to-do items come from."""

    model: type[models.Model]
    # The objects of ``model`` this user may see (a queryset with the rows the relations and
    # links read), or an iterable for objects not stored yet (an expert's unstarted sheet).
    scope: Callable[[Any], QuerySet[Any] | Iterable[Any]]
    link: Link
    # The stage of an item: per action name, else ``stage`` (a stage, or one per object).
    stage: str | Callable[[Any], str]
    stages: Mapping[str, str] = field(default_factory=dict)
    deadline: Callable[[Any], date | None] | None = None
    title: Callable[[Any], str] = str
    optional: frozenset[str] = frozenset()
    narrow: Mapping[str, Narrow] = field(default_factory=dict)


def by_queryset(filter_: Callable[[QuerySet[Any], Any], QuerySet[Any]]) -> Narrow:
    """A ``narrow`` from a queryset filter: one query over every stored candidate."""

    def narrow(objects: Sequence[Any], user: Any) -> Callable[[Any], bool]:
        stored = [obj.pk for obj in objects if obj.pk is not None]
        if not stored:
            return lambda obj: False
        model = type(objects[0])
        base = model._default_manager.filter(pk__in=stored)
        keep = set(filter_(base, user).values_list("pk", flat=True))
        return lambda obj: obj.pk in keep

    return narrow


_sources: dict[type[models.Model], Source] = {}


def register_source(source: Source) -> None:
    """Register the to-do source of a workflow's model; twice raises at start-up."""
    workflow_of(source.model)  # raises for a model without a workflow
    if source.model in _sources:
        name = source.model.__name__
        raise ImproperlyConfigured(f"A to-do source for {name} is registered twice.")
    _sources[source.model] = source


def sources() -> list[Source]:
    return list(_sources.values())


@dataclass(frozen=True)
class TodoItem:
    stage: str
    kind: str  # the labels of the actions the user may take, e.g. "初审通过／退回补正"
    title: str
    url: str
    deadline: date | None
    workflow: str
    pk: int | None
    actions: tuple[str, ...]


@dataclass
class KindCount:
    kind: str
    count: int


@dataclass
class Group:
    stage: str
    label: str
    items: list[TodoItem]
    kinds: list[KindCount]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list[TodoItem]:
        """The items a page lists (earliest deadline first); the counts cover them all."""
        return self.items[:SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.items) - SHOWN)


def _offered(workflow: Workflow, source: Source, user: Any) -> list[Transition]:
    """The transitions the user's role may take on this workflow's objects and that are work."""
    return [
        t
        for t in workflow.table.values()
        if t.offered and t.action not in source.optional and role_allows(t, user)
    ]


def _candidates(source: Source, workflow: Workflow, user: Any, states: set[str]) -> list[Any]:
    found = source.scope(user)
    if isinstance(found, QuerySet):
        return list(found.filter(**{f"{workflow.state_field}__in": sorted(states)}))
    return [obj for obj in found if workflow.state_of(obj) in states]


def _items_of(source: Source, user: Any) -> list[TodoItem]:
    workflow = workflow_of(source.model)
    transitions = _offered(workflow, source, user)
    if not transitions:
        return []
    objects = _candidates(source, workflow, user, set().union(*(t.sources for t in transitions)))
    if not objects:
        return []
    narrowed = {
        t.action: source.narrow[t.action](objects, user)
        for t in transitions
        if t.action in source.narrow
    }
    items = []
    for obj in objects:
        state = workflow.state_of(obj)
        mine = [
            t
            for t in transitions
            if state in t.sources
            and (narrowed[t.action](obj) if t.action in narrowed else allows(t, obj, user))
        ]
        if mine:
            items.append(_item(source, workflow, obj, mine))
    return items


def _item(source: Source, workflow: Workflow, obj: Any, mine: list[Transition]) -> TodoItem:
    first = mine[0]
    return TodoItem(
        stage=_stage(source, obj, first),
        kind="／".join(str(t.label) for t in mine),
        title=source.title(obj),
        url=source.link(obj, first),
        deadline=source.deadline(obj) if source.deadline else None,
        workflow=workflow.name,
        pk=obj.pk,
        actions=tuple(t.action for t in mine),
    )


def _stage(source: Source, obj: Any, transition: Transition) -> str:
    if transition.action in source.stages:
        return source.stages[transition.action]
    return source.stage(obj) if callable(source.stage) else source.stage


def todo_items(user: Any) -> list[TodoItem]:
    """Every item the user can act on now, earliest deadline first."""
    if user is None or not user.is_authenticated:
        return []
    items = [item for source in _sources.values() for item in _items_of(source, user)]
    return sorted(items, key=lambda i: (i.deadline is None, i.deadline or date.max, i.title))


def todo_groups(user: Any) -> list[Group]:
    """The items grouped by stage (SPEC §6 order), with a count per kind of action."""
    by_stage: dict[str, list[TodoItem]] = {}
    for item in todo_items(user):
        by_stage.setdefault(item.stage, []).append(item)
    groups = []
    for stage in sorted(by_stage, key=lambda s: STAGE_ORDER.get(s, len(STAGE_ORDER))):
        items = by_stage[stage]
        counts: dict[str, int] = {}
        for item in items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        label = str(Stage(stage).label) if stage in STAGE_ORDER else stage
        kinds = [KindCount(kind, n) for kind, n in counts.items()]
        groups.append(Group(stage=stage, label=label, items=items, kinds=kinds))
    return groups
