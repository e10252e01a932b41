"""Database sessions that carry the user's id in a column of their own.

Set as SESSION_ENGINE. The only difference from django.contrib.sessions.backends.db is
LoginSession.user, filled from the session's own _auth_user_id on every save, so that
hive.access.security can end every session of a disabled user with one query.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    @classmethod
    def get_model_class(cls):
        from hive.models import LoginSession

        return LoginSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        try:
            instance.user_id = int(user_id) if user_id is not None else None
        except (TypeError, ValueError):
            instance.user_id = None
        return instance
