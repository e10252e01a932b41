"""Newest-first paging by id (`?before=<id>`): no COUNT, and a page deep in a million rows
costs what the first one costs. Used where lists grow without bound (the incident list in
the portal and the API); short lists keep Django's numbered Paginator."""

from dataclasses import dataclass

BEFORE = "before"


@dataclass(frozen=True)
class NewestFirstPage:
    object_list: list
    # The id this page started below (None: the newest page).
    before: int | None
    # The id to ask for the next, older page with (None: this is the last one).
    next_before: int | None

    @property
    def has_next(self) -> bool:
        return self.next_before is not None

    @property
    def has_previous(self) -> bool:
        return self.before is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def parse_before(raw) -> int | None:
    """The `before` parameter as an id; ValueError when it is not a whole number."""
    if raw in (None, ""):
        return None
    return int(raw)


def newest_first_page(queryset, before: int | None, size: int) -> NewestFirstPage:
    """One page of `queryset` (model instances or .values() rows), highest id first."""
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset.order_by("-id")[: size + 1])
    next_before = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_before = last["id"] if isinstance(last, dict) else last.pk
    return NewestFirstPage(object_list=rows, before=before, next_before=next_before)
