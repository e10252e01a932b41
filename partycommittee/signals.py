"""Hooks other apps connect to.

`meeting_points_requested` is sent by the joint meeting's "award points" admin action
with `meeting` (a JointMeeting); the party-member points (volunteers) award its
attendance. A ValidationError from a receiver refuses that meeting.
"""

from django.dispatch import Signal

meeting_points_requested = Signal()
