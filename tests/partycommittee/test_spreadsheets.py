"""Staff import units, demands and resources from .xlsx and export every list; a file
with a bad row reports each bad row and imports nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from partycommittee.models import DemandItem, ResidentUnit

pytestmark = pytest.mark.django_db

UNIT_HEADERS = [
    "社区编码",
    "名称",
    "类型",
    "地址",
    "联系人",
    "联系电话",
    "党组织",
    "党组织负责人",
    "党员人数",
    "加入日期",
    "在册",
]


def _xlsx(rows, headers=UNIT_HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("units.xlsx", buffer.getvalue())


def _import(client, url, upload):
    # Format 0 is .xlsx (settings.IMPORT_EXPORT_FORMATS).
    return client.post(url, {"import_file": upload, "format": "0"})


def test_headers_are_the_chinese_field_names(world, colony, client):
    client.force_login(world.staff_a)
    response = client.post(
        "/admin/partycommittee/residentunit/export/",
        {
            "format": "0",
            "export_items": [],
            **{
                f"residentunitresource_{f}": "on"
                for f in [
                    "community",
                    "name",
                    "kind",
                    "address",
                    "contact_name",
                    "contact_phone",
                    "party_org_name",
                    "party_org_head",
                    "party_member_count",
                    "joined_on",
                    "is_active",
                ]
            },
        },
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == UNIT_HEADERS
    names = {row[1] for row in rows[1:]}
    assert names == {"矿区法院", "西城派出所"}  # only the staff member's community


def test_a_good_file_previews_then_imports(world, client):
    client.force_login(world.staff_a)
    upload = _xlsx(
        [
            [
                "",
                "阳泉银行",
                "bank",
                "矿区某路1号",
                "王",
                "13800002222",
                "阳泉银行党支部",
                "王书记",
                12,
                "2024-03-01",
                1,
            ],
            ["a", "矿区医院", "hospital", "", "", "", "", "", 30, "", 1],
        ]
    )
    preview = _import(client, "/admin/partycommittee/residentunit/import/", upload)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert not ResidentUnit.objects.exists()  # a preview stores nothing
    confirm = preview.context["confirm_form"].initial
    done = client.post("/admin/partycommittee/residentunit/process_import/", confirm)
    assert done.status_code == 302
    assert set(ResidentUnit.objects.values_list("name", "community__code")) == {
        ("阳泉银行", "a"),
        ("矿区医院", "a"),
    }


def test_a_file_with_one_bad_row_reports_it_and_imports_nothing(world, client):
    client.force_login(world.staff_a)
    upload = _xlsx(
        [
            ["a", "阳泉银行", "bank", "", "", "", "", "", 12, "", 1],
            ["a", "坏单位", "spaceship", "", "", "", "", "", "many", "", 1],
            ["b", "别的社区单位", "bank", "", "", "", "", "", 1, "", 1],
            ["a", "矿区医院", "hospital", "", "", "", "", "", 30, "", 1],
        ]
    )
    response = _import(client, "/admin/partycommittee/residentunit/import/", upload)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors() and not result.has_errors()
    errors = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(errors) == {2, 3}
    assert {"kind", "party_member_count"} <= set(errors[2])  # bad kind and count
    assert "community" in errors[3]  # a community the staff member does not manage
    html = response.content.decode()
    assert "many" in html and "spaceship" in html
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not ResidentUnit.objects.exists()


def test_an_empty_community_column_means_the_one_community_the_user_administers(world, client):
    from hive.access.roles import Role
    from hive.services import role_assign

    # staff_a also represents a unit in B (a portal role): they still administer only A.
    role_assign(user=world.staff_a, role=Role.UNIT_REP, community=world.b)
    client.force_login(world.staff_a)
    headers = ["社区编码", "标题", "描述", "来源", "类别", "优先级", "提出人"]
    upload = _xlsx([["", "加装电梯", "", "residents", "elderly", 2, "张大爷"]], headers)
    response = _import(client, "/admin/partycommittee/demanditem/import/", upload)
    result = response.context["result"]
    assert not result.has_validation_errors() and not result.has_errors()


def test_demand_list_imports_and_rejects_a_missing_title(world, client):
    client.force_login(world.staff_a)
    headers = ["社区编码", "标题", "描述", "来源", "类别", "优先级", "提出人"]
    bad = _xlsx([["a", "", "", "residents", "elderly", 2, "张大爷"]], headers)
    response = _import(client, "/admin/partycommittee/demanditem/import/", bad)
    assert response.context["result"].has_validation_errors()
    assert not DemandItem.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/partycommittee/residentunit/export/",
        "/admin/partycommittee/demanditem/export/",
        "/admin/partycommittee/resourceitem/export/",
        "/admin/partycommittee/project/export/",
        "/admin/partycommittee/responsibility/export/",
        "/admin/partycommittee/jointmeeting/export/",
    ],
)
def test_every_list_has_an_export_page(world, colony, client, url):
    client.force_login(world.staff_a)
    assert client.get(url).status_code == 200


def test_export_masks_the_phone_and_reimporting_it_keeps_the_number(world, colony):
    from partycommittee.resources import ResidentUnitResource

    resource = ResidentUnitResource(user=world.staff_a)
    dataset = resource.export(ResidentUnit.objects.filter(pk=colony.unit_a1.pk))
    assert "138****1111" in dataset.csv and "13800001111" not in dataset.csv
    result = ResidentUnitResource(user=world.staff_a).import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert ResidentUnit.objects.get(pk=colony.unit_a1.pk).contact_phone == "13800001111"


def test_the_real_import_of_a_file_with_a_bad_row_stores_nothing(world):
    """Not only the preview: the import itself rolls the good rows back."""
    import tablib

    from partycommittee.resources import ResidentUnitResource

    headers = list(UNIT_HEADERS)
    dataset = tablib.Dataset(
        ["a", "阳泉银行", "bank", "", "", "", "", "", 12, "", 1],
        ["a", "坏单位", "spaceship", "", "", "", "", "", "many", "", 1],
        headers=headers,
    )
    result = ResidentUnitResource(user=world.staff_a).import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    assert result.has_validation_errors()
    assert not ResidentUnit.objects.exists()


def test_admin_change_form_masks_the_contact_phone_and_logs_the_reveal(world, colony, client):
    from hive.models import PersonalDataAccess

    client.force_login(world.staff_a)
    url = f"/admin/partycommittee/residentunit/{colony.unit_a1.pk}/change/"
    page = client.get(url).content.decode()
    assert "138****1111" in page and "13800001111" not in page
    assert not PersonalDataAccess.objects.exists()
    client.post(f"/admin/partycommittee/residentunit/{colony.unit_a1.pk}/reveal/")
    assert PersonalDataAccess.objects.filter(viewer=world.staff_a, fields="contact_phone").exists()
    assert "13800001111" in client.get(url).content.decode()
