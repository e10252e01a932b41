"""Personal data (PIPL): consent with the notice version, retention, subject access,
and the append-only audit trail."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from grids.models import Household, Resident
from hive.models import ConsentRecord, PersonalDataAccess, RetentionRun
from hive.personal_data import ERASED, RevealLimitReached
from hive.personal_data.consent import subject_digest
from hive.personal_data.retention import retention_apply
from hive.personal_data.subject_access import subject_erase, subject_export
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory, id_number
from tests.volunteers.factories import MicroWishFactory
from volunteers.models import MicroWish

ID_A = id_number(serial="111")


@pytest.fixture
def people(world):
    grid_a = GridFactory(community=world.a, member=world.grid_a)
    grid_b = GridFactory(community=world.b)
    home_a = HouseholdFactory(grid=grid_a, head_name="张大山", phone="13811112222")
    home_b = HouseholdFactory(grid=grid_b, head_name="王二")
    resident_a = ResidentFactory(
        household=home_a, name="张大山", phone="13912345678", id_number=ID_A
    )
    # The same person registered in community B too: staff of A must not reach it.
    resident_b = ResidentFactory(household=home_b, name="张大山", phone="13912345678")
    return resident_a, resident_b


def _age(model, pk, days):
    model.objects.filter(pk=pk).update(updated_at=timezone.now() - timedelta(days=days))


# --- Consent --------------------------------------------------------------------------


def test_the_public_wish_form_records_consent_with_the_notice_version(world, client, settings):
    settings.HIVE_WISH_NOTICE_VERSION = "2026.7"
    page = client.get("/wishes/new/")
    assert "2026.7" in page.content.decode()
    data = {
        "community": world.a.pk,
        "category": "repairs",
        "title": "厨房水龙头漏水",
        "description": "",
        "resident_name": "王秀英",
        "resident_phone": "13812345678",
        "address": "虎尾沟3号楼2单元501",
        "consent": "on",
        "website": "",
    }
    client.post("/wishes/new/", data)
    client.post("/wishes/new/", data)  # the same wish again: stored once, consented once
    wish = MicroWish.objects.get()
    consent = ConsentRecord.objects.get()
    assert (consent.notice, consent.notice_version, consent.channel) == (
        "micro_wish",
        "2026.7",
        ConsentRecord.Channel.WEB_FORM,
    )
    assert consent.accepted_at == wish.consent_at
    assert consent.subject_record == wish
    assert consent.subject_digest == subject_digest("13812345678")
    assert "13812345678" not in json.dumps(
        list(ConsentRecord.objects.values("subject_digest", "subject_hint"))
    )


# --- Retention ------------------------------------------------------------------------


def test_retention_anonymises_expired_rows_once_and_logs_the_run(world, people, settings):
    resident_a, resident_b = people
    settings.HIVE_RESIDENT_RETENTION_DAYS = 100
    Resident.objects.filter(pk=resident_a.pk).update(status=Resident.Status.MOVED_OUT)
    _age(Resident, resident_a.pk, 101)
    _age(Resident, resident_b.pk, 500)  # old, but still living here
    wish = MicroWishFactory(
        community=world.a, status=MicroWish.Status.REJECTED, rejection_reason="重复"
    )
    _age(MicroWish, wish.pk, 800)

    run = retention_apply()

    resident_a.refresh_from_db()
    assert (resident_a.name, resident_a.id_number, resident_a.phone) == (ERASED, "", "")
    assert resident_a.birth_date is None or (
        resident_a.birth_date.month,
        resident_a.birth_date.day,
    ) == (1, 1)
    assert Resident.objects.get(pk=resident_b.pk).phone == "13912345678"
    assert MicroWish.objects.get(pk=wish.pk).resident_phone == ""
    assert run.counts["grids.resident"] == 1
    assert run.counts["volunteers.wish_contact"] == 1
    assert run.total == sum(run.counts.values()) and run.finished_at
    # The trail has one entry per changed row, without the data; the run row holds counts.
    entry = LogEntry.objects.filter(additional_data__retention_rule="grids.resident").get()
    assert entry.object_id == resident_a.pk and "张大山" not in entry.object_repr
    run_row = json.dumps(RetentionRun.objects.values()[0], default=str)
    assert "13912345678" not in run_row and "张大山" not in run_row

    again = retention_apply()
    assert again.total == 0
    assert RetentionRun.objects.count() == 2


def test_retention_deletes_old_access_log_rows(world, people, settings):
    resident_a, _ = people
    settings.HIVE_ACCESS_LOG_RETENTION_DAYS = 30
    from hive.personal_data import personal_data_reveal

    personal_data_reveal(viewer=world.staff_a, obj=resident_a, fields=["phone"])
    personal_data_reveal(viewer=world.staff_a, obj=resident_a, fields=["id_number"])
    old = PersonalDataAccess.objects.order_by("id").first()
    PersonalDataAccess.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert retention_apply(keys=["hive.personal_data_access"]).total == 1
    assert PersonalDataAccess.objects.count() == 1


def test_one_daily_task_runs_retention(world):
    from django_celery_beat.models import PeriodicTask

    from hive import tasks

    assert PeriodicTask.objects.filter(task="hive.apply_retention").exists()
    assert not PeriodicTask.objects.filter(task="volunteers.erase_wish_personal_data").exists()
    assert tasks.apply_retention.apply().get() == 0


# --- Audit trail ----------------------------------------------------------------------


def test_a_staff_edit_is_in_the_audit_trail_with_actor_and_masked_values(world, people, client):
    resident_a, _ = people
    client.force_login(world.staff_a)
    url = f"/admin/grids/resident/{resident_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(phone="13700001111", household=resident_a.household_id)
    client.post(url, data)
    entry = LogEntry.objects.filter(
        object_id=resident_a.pk, content_type__model="resident", action=LogEntry.Action.UPDATE
    ).first()
    if entry is None:  # the admin form refused something else: show why
        pytest.fail(str(client.post(url, data).context["adminform"].form.errors))
    assert entry.actor == world.staff_a
    assert entry.changes["phone"] == ["139****5678", "137****1111"]
    assert entry.object_repr == f"grids.Resident #{resident_a.pk}"


def test_a_scheduled_change_has_no_actor(world, people):
    resident_a, _ = people
    resident_a.phone = "13700001111"
    resident_a.save()
    entry = LogEntry.objects.filter(object_id=resident_a.pk).latest("timestamp")
    assert entry.actor is None and entry.timestamp


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_or_delete_the_audit_trail(world, people):
    entry = LogEntry.objects.first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes_text="forged")
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM auditlog_logentry WHERE id = %s", [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).changes_text == entry.changes_text


def test_sqlite_refuses_to_rewrite_the_audit_trail_too(world, people):
    entry = LogEntry.objects.first()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LogEntry.objects.filter(pk=entry.pk).update(changes_text="forged")


# --- Subject access -------------------------------------------------------------------


def test_export_finds_everything_in_the_staffs_communities_and_logs_it(world, people):
    resident_a, _in_b = people
    wish = MicroWishFactory(community=world.a, resident_phone="13912345678")
    MicroWishFactory(community=world.b, resident_phone="13912345678")

    data = subject_export(viewer=world.staff_a, phone="13912345678")

    assert [row["id"] for row in data["records"]["grids.Resident"]] == [resident_a.pk]
    assert data["records"]["grids.Resident"][0]["id_number"] == ID_A
    assert data["records"]["grids.Resident"][0]["history"][0]["action"]
    assert [row["id"] for row in data["records"]["volunteers.MicroWish"]] == [wish.pk]
    assert PersonalDataAccess.objects.filter(viewer=world.staff_a).count() == 2
    by_id = subject_export(viewer=world.staff_a, id_number=ID_A.lower())
    assert [row["id"] for row in by_id["records"]["grids.Resident"]] == [resident_a.pk]


def test_an_export_is_one_request_under_the_reveal_limit(world, people, settings):
    """A subject with more records than the reveal limit still gets them all (a legal
    duty): the export is checked once, every row is logged; a staff member already at
    the limit is refused before anything is shown or logged."""
    settings.HIVE_REVEAL_LIMIT = 2
    wishes = [MicroWishFactory(community=world.a, resident_phone="13912345678") for _ in range(3)]
    data = subject_export(viewer=world.staff_a, phone="13912345678")
    assert {row["id"] for row in data["records"]["volunteers.MicroWish"]} == {
        wish.pk for wish in wishes
    }
    logged = PersonalDataAccess.objects.filter(viewer=world.staff_a).count()
    assert logged == 4  # the resident and three wishes
    with pytest.raises(RevealLimitReached):
        subject_export(viewer=world.staff_a, phone="13912345678")
    assert PersonalDataAccess.objects.filter(viewer=world.staff_a).count() == logged


def test_the_admin_page_downloads_the_export(world, people, client):
    client.force_login(world.staff_a)
    url = "/admin/hive/consentrecord/subject-access/"
    assert client.get(url).status_code == 200
    found = client.post(url, {"phone": "13912345678", "action": "search"})
    assert found.status_code == 200 and len(found.context["found"]) == 1  # the resident in A
    download = client.post(url, {"phone": "13912345678", "action": "export"})
    assert download["Content-Disposition"] == 'attachment; filename="subject-access.json"'
    assert json.loads(download.content)["records"]["grids.Resident"][0]["phone"] == "13912345678"
    # A portal role has no business here.
    client.force_login(world.grid_a)
    assert client.get(url).status_code in (302, 403)


def test_erase_anonymises_only_the_staffs_records_and_is_audited(world, people, client):
    resident_a, resident_b = people
    client.force_login(world.staff_a)
    url = "/admin/hive/consentrecord/subject-access/"
    refused = client.post(url, {"phone": "13912345678", "action": "erase"})
    assert "confirm" in refused.context["form"].errors
    assert Resident.objects.get(pk=resident_a.pk).phone == "13912345678"

    client.post(url, {"phone": "13912345678", "action": "erase", "confirm": "on"})

    resident_a.refresh_from_db()
    assert (resident_a.name, resident_a.phone, resident_a.id_number) == (ERASED, "", "")
    assert Resident.objects.get(pk=resident_b.pk).phone == "13912345678"
    assert Household.objects.get(pk=resident_a.household_id).head_name == "张大山"
    entry = LogEntry.objects.filter(object_id=resident_a.pk).latest("timestamp")
    assert entry.actor == world.staff_a
    assert subject_erase(actor=world.staff_a, phone="13912345678") == 0
