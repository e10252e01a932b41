"""The contact details a partner sends with a report (phone, email, device id, account id)
are personal data like any other: kept for a period (hive.personal_data.retention), in the
audit trail (hive.personal_data.audit), and found, exported and erased on a subject access request
(hive.personal_data.subject_access)."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from grids import services as grid_services
from grids.models import Incident
from hive.models import PersonalDataAccess
from hive.personal_data.retention import retention_apply
from hive.personal_data.subject_access import subject_erase, subject_export
from open311.models import ServiceRequest
from tests.open311.test_endpoints import post

pytestmark = pytest.mark.django_db

PHONE = "13811112222"
CONTACTS = ("phone", "email", "device_id", "account_id")


def _filed(client, ow, **data) -> ServiceRequest:
    response = post(client, ow, **data)
    assert response.status_code == 200, response.content
    return ServiceRequest.objects.order_by("-id").first()


def _closed_long_ago(row: ServiceRequest, days: int) -> None:
    grid_services.incident_reject(incident=row.incident, actor=row.partner.reporter, reason="重复")
    past = timezone.now() - timedelta(days=days)
    Incident.objects.filter(pk=row.incident_id).update(updated_at=past)
    ServiceRequest.objects.filter(pk=row.pk).update(created_at=past)


def _contacts(row: ServiceRequest) -> tuple:
    row.refresh_from_db()
    return tuple(getattr(row, name) for name in CONTACTS)


# --- Retention ------------------------------------------------------------------------


def test_retention_anonymises_contacts_of_reports_closed_long_ago_once(ow, client, settings):
    settings.HIVE_OPEN311_CONTACT_RETENTION_DAYS = 100
    expired = _filed(client, ow)
    _closed_long_ago(expired, days=101)
    recently_closed = _filed(client, ow)
    _closed_long_ago(recently_closed, days=99)
    still_open = _filed(client, ow)
    ServiceRequest.objects.filter(pk=still_open.pk).update(
        created_at=timezone.now() - timedelta(days=500)
    )

    run = retention_apply()

    assert run.counts["open311.request_contact"] == 1
    assert _contacts(expired) == ("", "", "", "")
    # The report itself stays: the incident, the description, the public answer.
    assert expired.description == "电动车在楼道充电" and expired.incident_id
    assert _contacts(recently_closed) == (PHONE, "zhang@example.com", "device-42", "acct-7")
    assert _contacts(still_open)[0] == PHONE
    entry = LogEntry.objects.get(additional_data__retention_rule="open311.request_contact")
    assert entry.object_id == expired.pk
    assert entry.object_repr == f"open311.ServiceRequest #{expired.pk}"
    assert PHONE not in json.dumps(entry.changes)

    again = retention_apply()
    assert again.counts["open311.request_contact"] == 0
    assert (
        LogEntry.objects.filter(additional_data__retention_rule="open311.request_contact").count()
        == 1
    )


def test_the_retention_period_is_a_setting_of_two_years_by_default():
    from django.conf import settings

    from hive.personal_data.retention import rule_by_key

    assert settings.HIVE_OPEN311_CONTACT_RETENTION_DAYS == 730
    assert rule_by_key("open311.request_contact").days() == 730


# --- Audit trail ----------------------------------------------------------------------


def test_a_filed_report_and_a_change_to_its_contacts_are_in_the_trail_masked(ow, client):
    row = _filed(client, ow)
    created = LogEntry.objects.get(
        content_type__app_label="open311", object_id=row.pk, action=LogEntry.Action.CREATE
    )
    assert created.object_repr == f"open311.ServiceRequest #{row.pk}"
    assert created.changes["phone"] == ["", "138****2222"]
    assert set(created.changes) <= set(CONTACTS)

    row.phone = "13933334444"
    row.device_id = "device-43"
    row.save()

    changed = LogEntry.objects.filter(
        content_type__app_label="open311", object_id=row.pk, action=LogEntry.Action.UPDATE
    ).get()
    assert changed.changes["phone"] == ["138****2222", "139****4444"]
    assert set(changed.changes) == {"phone", "device_id"}
    trail = json.dumps(list(LogEntry.objects.values("changes", "object_repr")), default=str)
    for secret in (PHONE, "13933334444", "zhang@example.com", "device-42", "acct-7", "张大山"):
        assert secret not in trail


# --- Subject access -------------------------------------------------------------------


def test_subject_access_finds_exports_and_erases_a_report_by_phone(ow, client):
    row = _filed(client, ow, phone="+86 138-1111-2222")  # stored as the mobile it is
    assert _contacts(row)[0] == PHONE

    data = subject_export(viewer=ow.staff_a, phone=PHONE)

    (exported,) = data["records"]["open311.ServiceRequest"]
    assert exported["id"] == row.pk
    assert (exported["phone"], exported["email"], exported["device_id"]) == (
        PHONE,
        "zhang@example.com",
        "device-42",
    )
    assert exported["history"][0]["action"]
    assert PersonalDataAccess.objects.filter(viewer=ow.staff_a, object_id=row.pk).exists()
    # Another community's staff do not reach it.
    assert "open311.ServiceRequest" not in subject_export(viewer=ow.staff_b, phone=PHONE)["records"]

    assert subject_erase(actor=ow.staff_a, phone=PHONE) >= 1

    assert _contacts(row) == ("", "", "", "")
    entry = LogEntry.objects.filter(
        content_type__app_label="open311", object_id=row.pk, action=LogEntry.Action.UPDATE
    ).get()
    assert entry.actor == ow.staff_a
    assert entry.changes["phone"] == ["138****2222", ""]
    assert "open311.ServiceRequest" not in subject_export(viewer=ow.staff_a, phone=PHONE)["records"]


def test_the_admin_subject_access_page_lists_the_report(ow, client):
    row = _filed(client, ow)
    client.force_login(ow.staff_a)
    found = client.post(
        "/admin/hive/consentrecord/subject-access/", {"phone": PHONE, "action": "search"}
    )
    rows = [row for _label, rows in found.context["found"] for row, _url in rows]
    assert row in rows


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("13811112222", "13811112222"),
        ("+86 138 1111 2222", "13811112222"),
        ("138-1111-2222", "13811112222"),
        ("１３８１１１１２２２２", "13811112222"),
        ("0353-1234567", "0353-1234567"),  # not a mobile: kept as sent
        ("ext. 42", "ext. 42"),
    ],
)
def test_a_mobile_is_stored_in_one_spelling(ow, client, sent, stored):
    assert _filed(client, ow, phone=sent).phone == stored
