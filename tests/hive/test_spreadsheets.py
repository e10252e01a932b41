"""Every admin export, opened with openpyxl, is a sheet people can hand in: Chinese
headers, labels rather than codes in choice columns, a sheet named after the list, local
dates; and a sheet handed back imports (a label in a choice column turns back to its code)."""

import io
import re

import openpyxl
import pytest
from django.contrib import admin
from django.urls import reverse

from hive.ui.resources import ChoiceWidget
from tests.town import Town

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _exporting_admins():
    return [
        model_admin
        for model_admin in admin.site._registry.values()
        if hasattr(model_admin, "get_export_resource_classes")
    ]


def _export(client, model_admin):
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export")
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["form"]
    selected = {
        name: "on"
        for name, field in form.fields.items()
        if getattr(field, "is_selectable_field", False) and str(field.resource_index) == "0"
    }
    response = client.post(url, {"format": "0", "resource": "0", **selected})
    assert response.status_code == 200, url
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_every_export_has_chinese_headers_labels_a_named_sheet_and_local_dates(world, client):
    Town(world)
    client.force_login(world.street_admin)
    admins = _exporting_admins()
    assert len(admins) > 10
    for model_admin in admins:
        sheet = _export(client, model_admin)
        opts = model_admin.model._meta
        assert sheet.title == str(opts.verbose_name_plural)[:31]
        rows = list(sheet.iter_rows(values_only=True))
        header = list(rows[0])
        assert all(h == "ID" or CJK.search(h) for h in header), (opts.label, header)
        resource = model_admin.get_export_resource_classes(None)[0]()
        for field in resource.get_export_fields():
            if not isinstance(field.widget, ChoiceWidget):
                continue
            labels = {str(label) for _code, label in field.widget.choices}
            codes = {str(code) for code, _label in field.widget.choices} - labels
            column = header.index(field.column_name)
            cells = {row[column] for row in rows[1:]} - {None, ""}
            assert not cells & codes, (opts.label, field.column_name, cells)
        for row in rows[1:]:
            for cell in row:
                assert not hasattr(cell, "year"), (opts.label, cell)  # dates are text


def test_incident_export_shows_the_category_label_and_local_time(world, client):
    town = Town(world)
    client.force_login(world.street_admin)
    sheet = _export(client, admin.site._registry[type(town.incident)])
    rows = list(sheet.iter_rows(values_only=True))
    header, row = list(rows[0]), rows[1]
    assert row[header.index("类别")] == "小隐患"
    assert "hidden_danger" not in row
    created = row[header.index("创建时间")]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", created)


def test_dispute_export_puts_the_mediation_room_under_its_header(world, client):
    Town(world)
    client.force_login(world.street_admin)
    from disputes.models import DisputeCase

    sheet = _export(client, admin.site._registry[DisputeCase])
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert "门牌号" not in header
    case = DisputeCase.objects.get()
    assert rows[1][header.index("调解室")] == case.room.name


def test_select_all_on_the_export_page_is_bound_from_a_static_file(world, client):
    Town(world)
    client.force_login(world.street_admin)
    page = client.get(reverse("admin:grids_incident_export")).content.decode()
    assert 'class="select-toggle"' in page and "export_select_all.js" in page
    assert "onchange=" not in page


def test_the_export_page_names_the_columns_by_their_headers(world, client):
    """The boxes staff tick say the sheet's (Chinese) headers, not the code names."""
    Town(world)
    client.force_login(world.street_admin)
    page = client.get(reverse("admin:grids_incident_export")).content.decode()
    assert "Grid Code" not in page and "Reporter Name" not in page
    assert "类别" in page
