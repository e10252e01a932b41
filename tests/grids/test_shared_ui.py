"""The shared UI plumbing, through the admin and forms: ReadOnlyAdminMixin, with_reason,
CreateThroughServiceMixin, BootstrapFormMixin, add_service_errors, ScopedResource."""

import io

import openpyxl
import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from grids import services
from grids.admin import HouseholdResource
from grids.models import ChangeLogEntry, Grid, Household, Resident
from hive.ui.forms import BootstrapFormMixin, add_service_errors
from tests.grids.test_admin import _confirm, _import
from tests.hive.test_spreadsheets import _export
from tests.volunteers.factories import ActivityFactory
from volunteers.models import Activity

pytestmark = pytest.mark.django_db


def test_a_read_only_admin_shows_rows_but_never_adds_changes_or_deletes(gw, client):
    entry = services.change_log_record(kind=ChangeLogEntry.Kind.MOVE_IN, household=gw.household_a1)
    client.force_login(gw.staff_a)
    assert client.get(reverse("admin:grids_changelogentry_changelist")).status_code == 200
    page = client.get(reverse("admin:grids_changelogentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:grids_changelogentry_add")).status_code == 403
    delete = reverse("admin:grids_changelogentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ChangeLogEntry.objects.filter(pk=entry.pk).exists()


def test_a_reason_action_asks_refuses_an_empty_reason_then_runs(gw, client):
    activity = ActivityFactory(community=gw.a)
    client.force_login(gw.staff_a)
    url = reverse("admin:volunteers_activity_changelist")
    data = {"action": "cancel_selected", ACTION_CHECKBOX_NAME: [activity.pk]}
    asked = client.post(url, data)
    assert asked.templates[0].name == "admin/hive/reason_action.html"
    empty = client.post(url, {**data, "apply": "1", "reason": ""})
    assert empty.context["form"].errors["reason"]
    activity.refresh_from_db()
    assert activity.status == Activity.Status.OPEN
    done = client.post(url, {**data, "apply": "1", "reason": "下雨"})
    assert done.status_code == 302
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED


def _grid_data(gw, code):
    return {"community": gw.a.pk, "code": code, "name": "九", "member": gw.grid_a.pk}


def test_the_admin_creates_through_the_service_and_shows_its_refusal_on_the_form(
    gw, client, monkeypatch
):
    real = services.grid_create

    def half_then_refuse(**kwargs):
        real(**kwargs)  # written, then refused: the page must roll it back
        raise ValidationError({"name": "名称已被占用。", "boundary": "边界不对。"})

    monkeypatch.setattr(services, "grid_create", half_then_refuse)
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_add")
    response = client.post(url, _grid_data(gw, "A9"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == ["名称已被占用。"] and errors["boundary"] == ["边界不对。"]
    assert not Grid.objects.filter(code="A9").exists()

    calls = []
    monkeypatch.setattr(services, "grid_create", lambda **kw: calls.append(kw) or real(**kw))
    assert client.post(url, _grid_data(gw, "A9")).status_code == 302
    assert calls and Grid.objects.get(code="A9").community == gw.a


class _Everything(BootstrapFormMixin, forms.Form):
    text = forms.CharField()
    choice = forms.ChoiceField(choices=[("a", "A")])
    box = forms.BooleanField(required=False)
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)


def test_bootstrap_classes_for_inputs_selects_boxes_and_radios():
    form = _Everything({"choice": "a", "radio": "a", "boxes": ["a"]})
    classes = {name: field.widget.attrs["class"] for name, field in form.fields.items()}
    assert classes == {
        "text": "form-control",
        "choice": "form-select",
        "box": "form-check-input",
        "radio": "form-check-input",
        "boxes": "form-check-input",
    }
    assert not form.is_valid()
    assert form.fields["text"].widget.attrs["class"] == "form-control is-invalid"
    assert 'type="radio" name="radio" value="a" class="form-check-input"' in str(form["radio"])


def test_service_errors_land_on_their_fields_and_the_rest_above_the_form():
    form = _Everything({"text": "x", "choice": "a", "radio": "a", "boxes": ["a"]})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"text": "不行", "elsewhere": "别处"}))
    add_service_errors(form, ValidationError(["整体不行"]))
    assert form.errors["text"] == ["不行"]
    assert form.non_field_errors() == ["别处", "整体不行"]


def test_the_export_is_headed_in_chinese_and_imports_under_the_same_headers(gw, client):
    client.force_login(gw.staff_a)
    names = ["id", "grid", "number", "head_name", "phone"]
    response = client.post(
        reverse("admin:grids_household_export"),
        {"format": "0", "resource": "0", **{f"householdresource_{n}": "on" for n in names}},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = list(next(sheet.iter_rows(values_only=True)))
    assert header == ["ID", "网格", "户号", "户主", "联系电话"]

    by_header = {field.column_name: name for name, field in HouseholdResource().fields.items()}
    new = {"id": "", "grid": "A1", "number": "N900", "head_name": "新户", "phone": "13700002222"}
    preview = _import(client, "household", [header, [new[by_header[h]] for h in header]])
    assert not preview.context["result"].has_errors()
    assert _confirm(client, "household", preview).status_code == 302
    assert Household.objects.get(number="N900").grid == gw.a1


def test_a_list_without_a_sheet_of_its_own_exports_its_rows_under_chinese_headers(gw, client):
    client.force_login(gw.staff_a)
    response = client.post(
        reverse("admin:grids_grid_export"),
        {"format": "0", "resource": "0", "gridresource_code": "on", "gridresource_name": "on"},
    )
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert list(rows[0]) == ["编码", "名称"]
    assert {row[0] for row in rows[1:]} == {"A1", "A2"}


def test_an_exported_sheet_imports_back_its_choice_labels(gw, client):
    client.force_login(gw.staff_a)
    sheet = _export(client, admin.site._registry[Resident])
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    resident = Resident.objects.get(pk=gw.resident_a1.pk)
    row = rows[1 + [r[header.index("ID")] for r in rows[1:]].index(resident.pk)]
    assert row[header.index("性别")] == resident.get_gender_display()
    assert row[header.index("状态")] == resident.get_status_display()
    # The sheet handed back, its gender label changed; the masked columns stay out.
    other = {"男": "女", "女": "男"}[row[header.index("性别")]]
    row[header.index("性别")] = other
    keep = [i for i, h in enumerate(header) if h in {"ID", "性别", "与户主关系", "状态"}]
    preview = _import(client, "resident", [[header[i] for i in keep], [row[i] for i in keep]])
    assert not preview.context["result"].has_errors()
    assert _confirm(client, "resident", preview).status_code == 302
    before = (resident.relation, resident.status)
    resident.refresh_from_db()
    assert resident.get_gender_display() == other
    assert (resident.relation, resident.status) == before
