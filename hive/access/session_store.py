"""Database sessions that carry the user's id in a column of their own.

Set as SESSION_ENGINE. The only difference from django.contrib.sessions.backends.db is
LoginSession.user, filled from the session's own _auth_user_id on every save, so that
hive.access.security can end every session of a disabled user with one query.
"""

from typing import TYPE_CHECKING, Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore

if TYPE_CHECKING:
    from hive.models import LoginSession

    # Generic in the stubs only (Django's class is not subscriptable at run time).
    _Store = DBStore[LoginSession]
else:
    _Store = DBStore


class SessionStore(_Store):
    @classmethod
    def get_model_class(cls) -> "type[LoginSession]":
        from hive.models import LoginSession

        return LoginSession

    def create_model_instance(self, data: dict[str, Any]) -> "LoginSession":
        instance = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        try:
            instance.user_id = int(user_id) if user_id is not None else None
        except (TypeError, ValueError):
            instance.user_id = None
        return instance
