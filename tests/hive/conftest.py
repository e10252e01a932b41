import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from tests.hive.workflow_models import Ticket


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The table and its content type live for the whole session: a content type created
    # inside one test's rolled-back transaction would stay in ContentType's cache.
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            editor.create_model(Ticket)
        ContentType.objects.clear_cache()
        ContentType.objects.get_for_model(Ticket)
    yield
