"""The one transition mechanism every workflow uses.

A model declares its states with TextChoices and its named actions with a `Workflow`
class attribute: each `Action` says where it starts, where it leads, its button label and
who may take it. That declaration is the whole workflow: the legal moves, the buttons a
user sees (`available`), the reason one is refused (`refusal`) and the move itself
(`transition`), which runs inside a transaction, refuses an illegal step with
`TransitionNotAllowed`, and writes one TimelineEntry per move.

Written here rather than taken from django-fsm: that project is archived, and what we
need beyond a state table (row lock, actor, note and timeline row in one transaction,
community scoping of the timeline) would be glue around it anyway.
"""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from hive.models import TimelineEntry

# Who may take an action, as a rule: (object, user) -> bool.
Predicate = Callable[[Any, Any], bool]


class TransitionNotAllowed(ValidationError):
    """An illegal move: a 400 in the API, a message in the UI, never a silent change."""


class Action:
    """One named step: from any of `sources` to `target`, shown as `label`.

    `by` says who may take it: role values (the user holds one of them in the object's
    community), a predicate `by(obj, user) -> bool`, or empty for anyone the view lets in
    (the service then checks the actor itself)."""

    def __init__(
        self,
        name: str,
        sources: Iterable[str],
        target: str,
        label: "StrOrPromise",
        by: "Predicate | Iterable[str]" = (),
    ) -> None:
        self.name, self.sources, self.target, self.label = name, frozenset(sources), target, label
        self.by: Predicate | frozenset[str] = by if callable(by) else frozenset(by)

    def allows(self, obj: Any, user: Any) -> bool:
        if callable(self.by):
            return bool(self.by(obj, user))
        if not self.by:
            return True
        from hive.access.scoping import access_scope

        scope = access_scope(user)
        return any(_community_id(obj) in scope.community_ids_for(role) for role in self.by)


def by_staff(obj: Any, user: Any) -> bool:
    """The community office of the object's community (staff, street admins, superusers)."""
    from hive.access.authorization import administers

    return administers(user, _community_id(obj))


class Workflow:
    """The named actions of one model's status field; the legal moves follow from them."""

    def __init__(self, *, actions: Iterable[Action], field: str = "status") -> None:
        self.field = field
        self.actions = {action.name: action for action in actions}

    def __set_name__(self, model: type[Model], name: str) -> None:
        self.model = model

    def states(self) -> set[str]:
        states: set[str] = set()
        for action in self.actions.values():
            states |= action.sources | {action.target}
        return states

    def label(self, model: type[Model], value: str | None) -> str:
        # A status field is a concrete Field, never a relation (which has no flatchoices).
        choices = dict(model._meta.get_field(self.field).flatchoices)  # type: ignore[union-attr]
        return str(choices.get(value, value))

    def action_to(self, target: str, source: str | None = None) -> Action:
        """The one action leading to `target` (from `source`, when given), for callers that
        name states rather than steps; refused when there is none."""
        matches = [
            a
            for a in self.actions.values()
            if a.target == target and (source is None or source in a.sources)
        ]
        if len(matches) != 1:
            raise self._illegal(source, target)
        return matches[0]

    def _illegal(self, source: str | None, target: str) -> TransitionNotAllowed:
        return TransitionNotAllowed(
            _("Cannot change %(object)s from “%(source)s” to “%(target)s”."),
            code="illegal_transition",
            params={
                "object": self.model._meta.verbose_name,
                "source": self.label(self.model, source),
                "target": self.label(self.model, target),
            },
        )

    def refusal(self, obj: Any, action: str, user: Any) -> str | None:
        """Why `user` may not take `action` on `obj` now (translated), or None."""
        step = self.actions[action]
        source = getattr(obj, self.field)
        if source not in step.sources:
            return self._illegal(source, step.target).messages[0]
        if not step.allows(obj, user):
            return str(_("You may not do this."))
        return None

    def available(self, obj: Any, user: Any) -> list[Action]:
        """The actions `user` may take on `obj` now, in declaration order (buttons)."""
        source = getattr(obj, self.field)
        return [a for a in self.actions.values() if source in a.sources and a.allows(obj, user)]

    def actions_for(self, obj: Any, user: Any) -> list[str]:
        return [action.name for action in self.available(obj, user)]

    def lock(self, obj: Any, *, action: str) -> Any:
        """The row as stored now, locked for the transaction; refused unless `action`
        starts from its stored state (two people pressing at once: one of them loses)."""
        model = type(obj)
        locked = model._base_manager.select_for_update().filter(pk=obj.pk).first()
        if locked is None:
            raise TransitionNotAllowed(_("This record no longer exists."), code="missing")
        step = self.actions[action]
        if getattr(locked, self.field) not in step.sources:
            raise self._illegal(getattr(locked, self.field), step.target)
        return locked


def _community_id(obj: Any) -> Any:
    """The community the object belongs to, through its queryset's `community_path`, so
    timeline entries are scoped like the object itself."""
    path = getattr(type(obj)._default_manager._queryset_class, "community_path", "community")
    if not path:
        return obj.pk
    target = obj
    for name in path.split("__"):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target.pk


@transaction.atomic
def transition(
    obj: Any, *, action: str, actor: Any = None, note: str = "", update_fields: Iterable[str] = ()
) -> "TimelineEntry":
    """Take the step `action` on `obj`, save it with `update_fields`, and record the move.

    Other changes the caller made on `obj` (an assignee, a reason) are saved with the
    state in the same UPDATE, so the object and its timeline never disagree. Who may take
    the step is the caller's check (`Workflow.refusal`, or the service's own rule).
    """
    from hive.models import TimelineEntry

    model = type(obj)
    workflow: Workflow = model.workflow
    # Lock the row and read the state stored now: two people pressing a button at once
    # must not both pass the check against a state one of them has already left.
    source = getattr(workflow.lock(obj, action=action), workflow.field)
    to = workflow.actions[action].target
    community_id = _community_id(obj)
    setattr(obj, workflow.field, to)
    fields = {workflow.field, *update_fields}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        fields.add("updated_at")
    obj.save(update_fields=sorted(fields))
    return TimelineEntry.objects.create(
        subject=obj,
        community_id=community_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=source,
        to_state=to,
        note=note,
    )
