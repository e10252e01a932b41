"""The admin home as a workbench: what waits for the signed-in staff member, and the admin's
models grouped by the work they serve.

Each feature app declares, in its own `workbench` module (found at startup by
`autodiscover`):

- its **trays** (`register(Tray(...))`): counts of what waits for the user in the
  communities they run (incidents to accept, wishes to review, …), each to-do linking to
  the admin changelist filtered to exactly the rows it counts. A tray counts all its
  to-dos with one query.
- its **groups** (`group(Group(...))`): which of its models the admin lists under which
  task heading. A model no group names is an internal (lock-out records, schedules, the
  outbox) and sits in the "System" group, which only a street administrator (or a
  superuser) sees in the navigation; the pages themselves keep their own permissions.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count, Model, Q
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from hive.access.scoping import access_scope

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from hive.access.scoping import AnyUser


# --- What waits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToDo:
    key: str
    label: "_StrPromise"
    url: Callable[[], str]  # the filtered admin changelist showing what is counted
    urgent: bool = False  # shown in red when there is any (overdue work)


@dataclass(frozen=True)
class Tray:
    """Some to-dos of one app, counted together: `counts(user)` returns {to-do key: count}
    over the communities `user` runs, with one query."""

    name: str
    order: int
    permission: str  # the model permission that opens the linked lists ("app.view_model")
    todos: tuple[ToDo, ...]
    counts: Callable[["AnyUser"], Mapping[str, int]]


_TRAYS: dict[str, Tray] = {}


@dataclass(frozen=True)
class Counted:
    """A to-do counted as the rows of the tray's model matching `where` (a Q, or a
    function giving one when the clock matters), listed by the admin changelist filtered
    with `params` (the query string that list accepts for the same rows)."""

    key: str
    label: "_StrPromise"
    where: Q | Callable[[], Q]
    params: Mapping[str, str]
    urgent: bool = False


def counting_tray(*, name: str, order: int, model: type[Model], counted: Iterable[Counted]) -> Tray:
    """A tray of to-dos over one model, counted together with one aggregate query over
    the rows the user runs (`model.objects.managed_by(user)`)."""
    counted = tuple(counted)
    opts = model._meta
    changelist = f"admin:{opts.app_label}_{opts.model_name}_changelist"

    def url(params: Mapping[str, str]) -> Callable[[], str]:
        return lambda: f"{reverse(changelist)}?{urlencode(params)}"

    def counts(user: "AnyUser") -> Mapping[str, int]:
        manager: Any = model._default_manager
        return manager.managed_by(user).aggregate(
            **{
                item.key: Count("pk", filter=item.where() if callable(item.where) else item.where)
                for item in counted
            }
        )

    return Tray(
        name=name,
        order=order,
        permission=f"{opts.app_label}.view_{opts.model_name}",
        todos=tuple(ToDo(item.key, item.label, url(item.params), item.urgent) for item in counted),
        counts=counts,
    )


def register(tray: Tray) -> None:
    _TRAYS[tray.name] = tray


@dataclass(frozen=True)
class Waiting:
    todo: ToDo
    count: int
    url: str


def waiting_for(user: "AnyUser") -> list[Waiting]:
    """Every to-do the user may open, in tray order, with its count (zeros included: an
    empty tray is news too)."""
    rows: list[Waiting] = []
    if user is None:
        return rows
    for tray in sorted(_TRAYS.values(), key=lambda tray: (tray.order, tray.name)):
        if not user.has_perm(tray.permission):
            continue
        counts = tray.counts(user)
        rows.extend(
            Waiting(todo=todo, count=counts.get(todo.key, 0), url=todo.url()) for todo in tray.todos
        )
    return rows


# --- Where each model sits -------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str
    label: "_StrPromise"
    order: int
    models: tuple[type[Model], ...] = field(default=())


SYSTEM = Group("system", _("System"), order=1000)

_GROUPS: dict[str, Group] = {}


def group(declared: Group) -> None:
    _GROUPS[declared.key] = declared


def groups() -> list[Group]:
    return sorted(_GROUPS.values(), key=lambda declared: (declared.order, declared.key))


def sees_system(user: "AnyUser") -> bool:
    """The system group is the street administrator's (and a superuser's)."""
    scope = access_scope(user)
    return scope.is_superuser or bool(scope.street_ids)


def grouped_app_list(app_list: Iterable[dict[str, Any]], user: "AnyUser") -> list[dict]:
    """Django's app list (one entry per app, the models the user may see) regrouped by
    task: one entry per declared group, in its order, its models in the declared order,
    then the "System" group of everything undeclared (for a street administrator only)."""
    entries = {
        model_entry["model"]: (app, model_entry)
        for app in app_list
        for model_entry in app["models"]
    }
    placed: set[type[Model]] = set()
    result = []
    for declared in groups():
        models = []
        for model in declared.models:
            if model in entries:
                models.append(entries[model][1])
                placed.add(model)
        if models:
            result.append(_entry(declared, models))
    if sees_system(user):
        rest = [entry for model, (_app, entry) in entries.items() if model not in placed]
        if rest:
            result.append(_entry(SYSTEM, sorted(rest, key=lambda entry: str(entry["name"]))))
    return result


def _entry(declared: Group, models: list[dict]) -> dict[str, Any]:
    return {
        "name": declared.label,
        "app_label": f"group-{declared.key}",
        "app_url": f"{reverse('admin:index')}#group-{declared.key}",
        "has_module_perms": True,
        "models": models,
    }


def autodiscover() -> None:
    """Import each installed app's `workbench` module. From HiveConfig.ready."""
    autodiscover_modules("workbench")
