"""Change lists that read: open work first, deadlines marked, long text on one line.

One mechanism for every admin list of things with a workflow (incidents, grid tasks,
micro-wishes, dispute cases, responsibilities, point awards):

- `WorkQueueAdminMixin` orders the rows open first — overdue at the top, then by the
  nearest deadline (or, without a deadline, the longest waiting) — and closed ones last,
  newest first. The order is a database expression (CASE on status and deadline), so
  it costs no query per row, and a click on a column header still sorts by that column.
- `deadline_mark` renders a deadline with a red "overdue" or yellow "due soon" flag in
  words as well as colour; the mixin offers it as the `deadline_column` list column.
- `short_text` / `short_text_column` keep a title or description on one line, cut with
  an ellipsis, the full text in the `title` attribute.

The look lives in static/css/admin.css: classes only, no inline style (CSP).
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import OrderBy
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

OVERDUE = "overdue"
DUE_SOON = "soon"

DEFAULT_DUE_SOON = datetime.timedelta(hours=24)


def deadline_state(
    deadline: datetime.date | None,
    *,
    is_open: bool,
    due_soon: datetime.timedelta = DEFAULT_DUE_SOON,
    now: datetime.datetime | None = None,
) -> str | None:
    """OVERDUE, DUE_SOON or None. A date deadline (no time) ends with its day."""
    if deadline is None or not is_open:
        return None
    now = now or timezone.now()
    if isinstance(deadline, datetime.datetime):
        if deadline < now:
            return OVERDUE
        return DUE_SOON if deadline <= now + due_soon else None
    if deadline < timezone.localdate(now):
        return OVERDUE
    return DUE_SOON if deadline <= timezone.localdate(now + due_soon) else None


def _local_text(value: datetime.date) -> tuple[str, str]:
    """(machine-readable, shown) forms of a date or an aware datetime, in local time."""
    if isinstance(value, datetime.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.isoformat(), dateformat.format(local, "Y-m-d H:i")
    return value.isoformat(), dateformat.format(value, "Y-m-d")


def deadline_mark(
    deadline: datetime.date | None,
    *,
    is_open: bool,
    due_soon: datetime.timedelta = DEFAULT_DUE_SOON,
    now: datetime.datetime | None = None,
) -> SafeString | None:
    """The deadline in local time, flagged "overdue" (red) when past and still open or
    "due soon" (yellow) within `due_soon`; no flag once closed. The flag is a word, not
    only a colour."""
    if deadline is None:
        return None  # the admin shows its "empty" sign
    machine, shown = _local_text(deadline)
    state = deadline_state(deadline, is_open=is_open, due_soon=due_soon, now=now)
    if state is None:
        return format_html('<time datetime="{}">{}</time>', machine, shown)
    flag = _("Overdue") if state == OVERDUE else _("Due soon")
    return format_html(
        '<span class="hive-due hive-due--{}"><time datetime="{}">{}</time>'
        ' <span class="hive-due__flag">{}</span></span>',
        state,
        machine,
        shown,
        flag,
    )


def short_text(text: Any, *, length: int = 30) -> SafeString | None:
    """`text` on one line, cut after `length` characters; the whole of it in the title
    attribute (a tooltip) when cut."""
    text = " ".join(str(text or "").split())
    if not text:
        return None
    cut = Truncator(text).chars(length)
    if cut == text:
        return format_html('<span class="hive-short">{}</span>', text)
    return format_html('<span class="hive-short" title="{}">{}</span>', text, cut)


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ImproperlyConfigured(f"{model.__name__}.{name} is not a concrete field.")
    return field


def short_text_column(
    model: type[models.Model],
    field_name: str,
    *,
    length: int = 30,
    description: Any = None,
) -> Callable[[models.Model], Any]:
    """A list_display column showing `field_name` through short_text, sortable by it,
    headed by the field's verbose name."""
    field = _field(model, field_name)

    @admin.display(description=description or field.verbose_name, ordering=field_name)
    def column(obj):
        return short_text(getattr(obj, field_name), length=length)

    # Names the cells' CSS class (field-<name>) and the column in error messages.
    column.__name__ = f"{field_name}_short"
    return column


class WorkQueueChangeList(ChangeList):
    def get_ordering_field_columns(self):
        # The queue's own order is no single column's: no header claims to sort it.
        if ORDER_VAR not in self.params:
            return {}
        return super().get_ordering_field_columns()


class WorkQueueAdminMixin:
    """Open rows first (overdue at the top, then the nearest deadline), closed rows last,
    newest first; and a `deadline_column` for list_display when there is a deadline.

    Say which rows are open with `queue_open_states` or `queue_final_states`; name the
    deadline field (a DateField or DateTimeField) or leave it None to order open rows by
    age, the longest waiting first.
    """

    model: type[models.Model]
    queue_status_field = "status"
    queue_open_states: Sequence[str] = ()
    queue_final_states: Sequence[str] = ()
    deadline_field: str | None = None
    queue_age_field = "created_at"
    # How far ahead a deadline counts as near ("due soon").
    due_soon = DEFAULT_DUE_SOON
    deadline_label: Any = _("deadline")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A column per class, so that each sorts by its own deadline field.
        if cls.deadline_field and "deadline_column" not in vars(cls):
            field_name = cls.deadline_field

            @admin.display(description=cls.deadline_label, ordering=field_name)
            def deadline_column(self, obj):
                return self.deadline_mark_for(obj)

            cls.deadline_column = deadline_column

    # --- which rows are open, which overdue ---------------------------------------

    def queue_open_q(self) -> Q:
        status = self.queue_status_field
        if self.queue_open_states:
            return Q(**{f"{status}__in": list(self.queue_open_states)})
        return ~Q(**{f"{status}__in": list(self.queue_final_states)})

    def queue_is_open(self, obj) -> bool:
        status = getattr(obj, self.queue_status_field)
        if self.queue_open_states:
            return status in self.queue_open_states
        return status not in self.queue_final_states

    def _deadline_name(self) -> str:
        if not self.deadline_field:
            raise ImproperlyConfigured(f"{type(self).__name__} names no deadline_field.")
        return self.deadline_field

    def queue_now(self) -> datetime.date:
        """What a deadline is compared with: now for a DateTimeField, today for a date."""
        field = _field(self.model, self._deadline_name())
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        return timezone.localdate()

    def queue_overdue_q(self, now: datetime.date) -> Q:
        """Open and past the deadline; an app with its own rule (a selector) overrides it."""
        return self.queue_open_q() & Q(**{f"{self._deadline_name()}__lt": now})

    def deadline_mark_for(self, obj):
        return deadline_mark(
            getattr(obj, self._deadline_name()),
            is_open=self.queue_is_open(obj),
            due_soon=self.due_soon,
        )

    # --- the order ------------------------------------------------------------------

    def queue_ordering(self) -> list[OrderBy]:
        open_q = self.queue_open_q()
        age = F(self.queue_age_field)
        if self.deadline_field:
            field = _field(self.model, self.deadline_field)
            rank = Case(
                When(self.queue_overdue_q(self.queue_now()), then=Value(0)),
                When(open_q, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
            # Closed rows have no key here (NULL, last) and fall through to the age.
            within = Case(When(open_q, then=F(self.deadline_field)), output_field=type(field)())
        else:
            rank = Case(When(open_q, then=Value(1)), default=Value(2), output_field=IntegerField())
            age_field = _field(self.model, self.queue_age_field)
            within = Case(When(open_q, then=age), output_field=type(age_field)())
        return [rank.asc(), within.asc(nulls_last=True), age.desc()]

    def get_ordering(self, request):
        # Computed per request: "overdue" moves with the clock.
        return self.queue_ordering()

    def get_changelist(self, request, **kwargs):
        return WorkQueueChangeList
