"""Staff's door: scoped lists with filters, .xlsx import with row errors, .xlsx export,
masked lists with a logged change view, incident actions."""

import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grids import services
from grids.admin import HouseholdResource, ResidentResource
from grids.models import ChangeLogEntry, Grid, Household, Incident, Resident
from hive.models import PersonalDataAccess
from tests.grids.factories import HouseholdFactory, ResidentFactory, id_number

pytestmark = pytest.mark.django_db


def _xlsx(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "data.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _header(resource, *names):
    """The sheet's headers: the fields' verbose names, in Chinese."""
    fields = resource().fields
    return [fields[name].column_name for name in names]


def _import(client, model, rows):
    url = reverse(f"admin:grids_{model}_import")
    response = client.post(url, {"import_file": _xlsx(rows), "format": "0", "resource": "0"})
    assert response.status_code == 200
    return response


def _confirm(client, model, response):
    form = response.context["confirm_form"]
    data = {name: form.initial.get(name) for name in form.fields}
    return client.post(reverse(f"admin:grids_{model}_process_import"), data)


def test_household_and_resident_import_with_row_errors_then_success(gw, client):
    client.force_login(gw.staff_a)
    header = _header(
        HouseholdResource,
        *["id", "grid", "building", "number", "room", "address", "head_name", "phone"],
        *["is_rental", "notes"],
    )
    assert header[:4] == ["ID", "网格", "楼栋", "户号"]
    bad = _import(
        client,
        "household",
        [
            header,
            ["", "A1", "", "N001", "101", "", "刘一", "12345", "0", ""],
            ["", "B1", "", "N002", "102", "", "刘二", "", "0", ""],
        ],
    )
    assert bad.context["result"].has_validation_errors() or bad.context["result"].has_errors()
    assert not Household.objects.filter(number__in=["N001", "N002"]).exists()
    good = _import(
        client,
        "household",
        [header, ["", "A1", "", "N001", "101", "", "刘一", "13700001111", "0", ""]],
    )
    assert not good.context["result"].has_errors()
    assert _confirm(client, "household", good).status_code == 302
    household = Household.objects.get(number="N001")
    assert (household.grid, household.community) == (gw.a1, gw.a)

    rheader = _header(
        ResidentResource,
        *["id", "household", "name", "gender", "birth_date", "id_number", "phone"],
        *["relation", "moved_in_on", "status"],
    )
    bad = _import(
        client,
        "resident",
        [rheader, ["", "N001", "刘一", "male", "", "140303198001011230", "", "head", "", "living"]],
    )
    result = bad.context["result"]
    assert result.has_validation_errors()
    assert "id_number" in result.invalid_rows[0].field_specific_errors
    good = _import(
        client,
        "resident",
        [
            rheader,
            ["", "N001", "刘一", "male", "", id_number(serial="555"), "", "head", "", "living"],
        ],
    )
    assert _confirm(client, "resident", good).status_code == 302
    resident = Resident.objects.get(name="刘一")
    assert ChangeLogEntry.objects.get(resident=resident).kind == "move_in"


def test_export_is_xlsx_and_masked(gw, client):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_resident_export")
    response = client.post(
        url,
        {
            "format": "0",
            "resource": "0",
            **{
                f"residentresource_{name}": "on"
                for name in ["id", "household", "name", "id_number", "phone"]
            },
        },
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert "139****5678" in values and "13912345678" not in values
    assert "王二" not in values  # community B


def test_resident_list_and_change_form_mask_and_the_reveal_is_logged(gw, client):
    client.force_login(gw.staff_a)
    page = client.get(reverse("admin:grids_resident_changelist")).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    url = reverse("admin:grids_resident_change", args=[gw.resident_a1.pk])
    form = client.get(url).content.decode()
    full_id = gw.resident_a1.id_number
    assert "139****5678" in form and "13912345678" not in form and full_id not in form
    assert not PersonalDataAccess.objects.exists()
    client.post(reverse("admin:grids_resident_reveal", args=[gw.resident_a1.pk]))
    entry = PersonalDataAccess.objects.get()
    assert (entry.viewer, entry.fields) == (gw.staff_a, "id_number,phone")
    assert entry.content_type == ContentType.objects.get_for_model(Resident)
    shown = client.get(url).content.decode()
    assert "13912345678" in shown and full_id in shown
    other = client.post(reverse("admin:grids_resident_reveal", args=[gw.resident_b1.pk]))
    assert other.status_code == 302  # outside the community: treated as missing
    assert PersonalDataAccess.objects.count() == 1


def test_saving_the_resident_form_keeps_the_masked_id_number_and_phone(gw, client):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_resident_change", args=[gw.resident_a1.pk])
    data = _as_submitted(client.get(url).context["adminform"].form)
    data["name"] = "张大川"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident = Resident.objects.get(pk=gw.resident_a1.pk)
    assert (resident.name, resident.phone) == ("张大川", "13912345678")
    assert resident.id_number == gw.resident_a1.id_number


def test_bad_geojson_and_wrong_member_are_field_errors(gw, client):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_add")
    data = {
        "community": gw.a.pk,
        "code": "A7",
        "name": "七",
        "boundary": '{"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}',
        "member": gw.grid_a.pk,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "boundary" in response.context["adminform"].form.errors
    data["boundary"] = (
        '{"type": "Polygon", "coordinates": [[[113.5, 37.8], [113.6, 37.8], '
        "[113.6, 37.9], [113.5, 37.8]]]}"
    )
    data["member"] = gw.grid_b.pk  # community B's grid member: not offered
    response = client.post(url, data)
    assert "member" in response.context["adminform"].form.errors
    data["member"] = gw.grid_a.pk
    assert client.post(url, data).status_code == 302
    assert Grid.objects.get(code="A7").boundary["type"] == "Polygon"


def test_staff_report_on_behalf_and_accept_action(gw, client):
    client.force_login(gw.staff_a)
    response = client.post(
        reverse("admin:grids_incident_add"),
        {
            "grid": gw.a1.pk,
            "category": "demand",
            "priority": "normal",
            "location": "居委会",
            "description": "王大妈来电：路灯坏了",
            "on_behalf_of": "王大妈",
            "photos-TOTAL_FORMS": "0",
            "photos-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get()
    assert (incident.reporter, incident.on_behalf_of) == (gw.staff_a, "王大妈")
    assert incident.deadline is not None
    changelist = reverse("admin:grids_incident_changelist")
    client.post(changelist, {"action": "accept", "_selected_action": [incident.pk]})
    client.post(changelist, {"action": "close", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert incident.status == "accepted"  # closing an accepted report was refused


def test_incident_admin_filters(gw, client):
    services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="sign", location="x", description="y"
    )
    services.incident_report(
        reporter=gw.grid_b, grid=gw.b1, category="sign", location="x", description="y"
    )
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_incident_changelist")
    for params in (
        {},
        {"category": "sign"},
        {"status": "reported"},
        {"overdue": "yes"},
        {"grid__id__exact": gw.a1.pk},
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        rows = list(response.context["cl"].result_list)
        assert all(row.community_id == gw.a.pk for row in rows)
    assert client.get(url, {"overdue": "yes"}).context["cl"].result_count == 0


@pytest.mark.parametrize(
    "model",
    [
        "incident",
        "household",
        "resident",
        "changelogentry",
        "visit",
        "grid",
        "sweep",
        "gridtask",
        "keyplace",
    ],
)
def test_admin_lists_keep_a_constant_query_count(gw, client, model):
    def grow(count):
        for _ in range(count):
            household = HouseholdFactory(grid=gw.a1)
            resident = ResidentFactory(household=household)
            services.resident_move_out(actor=None, resident=resident)
            services.incident_report(
                reporter=gw.grid_a, grid=gw.a1, category="sign", location="x", description="y"
            )
            services.visit_log(visitor=gw.grid_a, household=household, role="agent", notes="x")

    client.force_login(gw.street_admin)
    url = reverse(f"admin:grids_{model}_changelist")

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    grow(2)
    small = count()
    grow(6)
    assert count() == small


# --- Personal data on the change forms (issue 18, item 5) -------------------------------


def _as_submitted(form):
    """What the browser sends back for an untouched admin form."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


@pytest.mark.parametrize(
    ("model", "field", "stored", "masked"),
    [
        ("household", "phone", "13811112222", "138****2222"),
        ("keyplace", "contact_phone", "13655556666", "136****6666"),
    ],
)
def test_change_form_masks_the_phone_until_a_logged_reveal(
    gw, client, model, field, stored, masked
):
    from tests.grids.factories import KeyPlaceFactory

    if model == "household":
        obj = gw.household_a1
    else:
        obj = KeyPlaceFactory(grid=gw.a1, contact_name="周老板", contact_phone=stored)
    client.force_login(gw.staff_a)
    url = reverse(f"admin:grids_{model}_change", args=[obj.pk])

    page = client.get(url)
    html = page.content.decode()
    assert masked in html and stored not in html
    assert not PersonalDataAccess.objects.exists()

    revealed = client.post(reverse(f"admin:grids_{model}_reveal", args=[obj.pk]))
    assert revealed.status_code == 302 and revealed.url == url
    entry = PersonalDataAccess.objects.get()
    assert (entry.viewer, entry.object_id, entry.fields) == (gw.staff_a, obj.pk, field)
    assert stored in client.get(url).content.decode()
    # Shown once: the next visit is masked again.
    assert stored not in client.get(url).content.decode()
    assert PersonalDataAccess.objects.count() == 1


@pytest.mark.parametrize("model", ["household", "keyplace"])
def test_saving_the_change_form_keeps_the_masked_phone(gw, client, model):
    from grids.models import KeyPlace
    from tests.grids.factories import KeyPlaceFactory

    if model == "household":
        obj, field = gw.household_a1, "phone"
    else:
        obj, field = KeyPlaceFactory(grid=gw.a1, contact_phone="13655556666"), "contact_phone"
    stored = getattr(obj, field)
    client.force_login(gw.staff_a)
    url = reverse(f"admin:grids_{model}_change", args=[obj.pk])
    data = _as_submitted(client.get(url).context["adminform"].form)
    assert data[field] != stored  # the form carries the masked value
    data["address"] = "新地址"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    obj = (Household if model == "household" else KeyPlace).objects.get(pk=obj.pk)
    assert (getattr(obj, field), obj.address) == (stored, "新地址")
    # A new number typed in replaces the stored one.
    data[field] = "13700009999"
    assert client.post(url, data).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, field) == "13700009999"


def test_reveal_is_scoped_and_post_only(gw, client):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_household_reveal", args=[gw.household_b1.pk])
    assert client.post(url).status_code in (302, 404)
    assert (
        client.get(reverse("admin:grids_household_reveal", args=[gw.household_a1.pk])).status_code
        == 405
    )
    assert not PersonalDataAccess.objects.exists()


# --- Sweeps go through grids.services.sweep_create (issue 18, item 7d) ------------------


def _sweep_form(gw, **fields):
    return {
        "community": gw.a.pk,
        "grid": gw.a1.pk,
        "title": "消防安全排查",
        "scope": "key_industry",
        "place_kind": "shop",
        "scheduled_on": "2026-12-20",
        "checklist": "灭火器\n安全通道",
        "inspectors": [gw.grid_a.pk],
        "checks-TOTAL_FORMS": "0",
        "checks-INITIAL_FORMS": "0",
        **fields,
    }


@pytest.mark.parametrize("field", ["grid", "places"])
def test_sweep_admin_refuses_another_communitys_grid_or_places(gw, client, field):
    from grids.models import Sweep
    from tests.grids.factories import KeyPlaceFactory

    value = gw.b1.pk if field == "grid" else [KeyPlaceFactory(grid=gw.b1).pk]
    # A street administrator manages both communities: B's rows are choices on the form.
    client.force_login(gw.street_admin)
    response = client.post(reverse("admin:grids_sweep_add"), _sweep_form(gw, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Sweep.objects.exists()


def test_sweep_admin_creates_through_the_service(gw, client, monkeypatch):
    from grids.models import Sweep
    from tests.grids.factories import KeyPlaceFactory

    shop = KeyPlaceFactory(grid=gw.a1, kind="shop")
    KeyPlaceFactory(grid=gw.a1, kind="rental")
    KeyPlaceFactory(grid=gw.b1, kind="shop")
    calls = []
    real = services.sweep_create
    monkeypatch.setattr(services, "sweep_create", lambda **kw: calls.append(kw) or real(**kw))
    client.force_login(gw.staff_a)
    response = client.post(reverse("admin:grids_sweep_add"), _sweep_form(gw))
    assert response.status_code == 302, response.context["adminform"].form.errors
    sweep = Sweep.objects.get()
    assert calls and calls[0]["actor"] == gw.staff_a
    assert (sweep.community, sweep.grid) == (gw.a, gw.a1)
    assert list(sweep.inspectors.all()) == [gw.grid_a]
    # No places picked: the grid's key places of the kind, as the service chooses them.
    assert list(sweep.places.all()) == [shop]


# --- Imports look rows up among what the user administers (issue 18, item 7e) ----------


def test_import_cannot_reach_a_community_where_the_user_only_holds_a_portal_role(gw, client):
    from hive.access.roles import Role
    from hive.services import role_assign

    # staff_a is also a deputy grid member of B1: its rows are visible to them in the
    # portal, but they administer only community A.
    role_assign(user=gw.staff_a, role=Role.GRID_MEMBER, community=gw.b)
    gw.b1.deputies.add(gw.staff_a)
    assert Household.objects.visible_to(gw.staff_a).filter(pk=gw.household_b1.pk).exists()
    client.force_login(gw.staff_a)
    header = _header(
        HouseholdResource,
        *["id", "grid", "building", "number", "room", "address", "head_name", "phone"],
    )
    response = _import(
        client, "household", [header, ["", "B1", "", "NB01", "1", "", "外社区", "13700001111"]]
    )
    result = response.context["result"]
    assert result.has_errors() or result.has_validation_errors()
    assert not Household.objects.filter(number="NB01").exists()

    response = _import(
        client,
        "resident",
        [
            _header(ResidentResource, "id", "household", "name", "gender"),
            ["", gw.household_b1.number, "外人", "male"],
        ],
    )
    result = response.context["result"]
    assert result.has_errors() or result.has_validation_errors()
    assert not Resident.objects.filter(name="外人").exists()


def test_a_boundary_nested_thousands_deep_is_a_400_not_a_500(gw, client):
    """Django's JSON form field parses recursively: 3,000 brackets were a RecursionError.
    The malformed-input middleware bounds JSON in form fields as in bodies."""
    client.force_login(gw.staff_a)
    data = {
        "community": gw.a.pk,
        "code": "A8",
        "name": "八",
        "boundary": "[" * 3000 + "]" * 3000,
        "member": gw.grid_a.pk,
    }
    response = client.post(reverse("admin:grids_grid_add"), data)
    assert response.status_code == 400
    assert not Grid.objects.filter(code="A8").exists()
