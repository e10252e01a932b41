"""Hooks other apps connect to.

`wish_confirmed` is sent by `volunteers.services.wish_confirm` inside its transaction,
right after the wish moved to "confirmed" (once per wish: the workflow refuses a second
confirmation). Receivers get `wish` (a MicroWish, `claimed_by` is the party member who
fulfilled it) and `actor` (the staff member who confirmed on the resident's behalf, or
None when the resident confirmed). The points issue awards "practical help for residents"
points here; an exception in a receiver rolls the confirmation back, so award points with
a unique key per wish and let real failures surface.
"""

from django.dispatch import Signal

wish_confirmed = Signal()
