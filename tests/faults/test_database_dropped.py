"""The database connection drops in the middle of a request that writes several rows in
one transaction: the visitor gets the friendly error page (translated, no stack trace) and
the database holds none of the rows the request had started writing."""

import psycopg2
import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import translation

from hive.models import ConsentRecord, TimelineEntry
from tests.faults.conftest import needs
from tests.volunteers.test_public import URL, form_data
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db(transaction=True)


def terminate_from_outside(backend_pid: int) -> None:
    """What a database restart or a network cut does to one session: a second connection
    ends it, waiting (PostgreSQL 14+) until it is gone, so the next write really fails."""
    config = connection.settings_dict
    other = psycopg2.connect(
        dbname=config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [backend_pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


@pytest.fixture
def drop_connection_after_the_wish_is_written():
    def receiver(sender, instance, created, **kwargs):
        if created:
            # The wish row is written (not committed); the consent record and timeline
            # entry of the same transaction are still to come.
            terminate_from_outside(connection.connection.get_backend_pid())

    post_save.connect(receiver, sender=MicroWish, dispatch_uid="fault-drop-connection")
    yield
    post_save.disconnect(sender=MicroWish, dispatch_uid="fault-drop-connection")


def test_dropped_connection_mid_request_shows_the_error_page_and_keeps_no_partial_rows(
    world, client, drop_connection_after_the_wish_is_written
):
    needs(connection.vendor == "postgresql", "terminating a backend needs PostgreSQL")
    client.raise_request_exception = False

    response = client.post(URL, form_data(world), REMOTE_ADDR="10.7.7.7")

    assert response.status_code == 500
    page = response.content.decode()
    with translation.override("zh-hans"):
        assert translation.gettext("Something went wrong") in page
    assert "Something went wrong" not in page  # Chinese, the default language
    assert "Traceback" not in page and "psycopg2" not in page and "OperationalError" not in page
    # The wish was written before the drop: rolled back with the rest, nothing half-stored.
    assert not MicroWish.objects.exists()
    assert not ConsentRecord.objects.exists()
    assert not TimelineEntry.objects.filter(content_type__model="microwish").exists()
