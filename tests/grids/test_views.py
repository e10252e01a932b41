"""The grid member's portal, through the pages a user touches."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grids import services
from grids.models import ChangeLogEntry, Incident, IncidentPhoto, KeyPersonTag, Visit
from hive.access.roles import Role
from hive.models import PersonalDataAccess
from tests.factories import refused_with, user_with_role
from tests.grids.factories import (
    BuildingFactory,
    GridTaskFactory,
    HouseholdFactory,
    KeyPlaceFactory,
    ResidentFactory,
    id_number,
    photo,
)

pytestmark = pytest.mark.django_db


def test_my_grid_counts_households_and_open_incidents_without_joining_both(gw, client):
    # Two joins counted with DISTINCT multiplied households by incidents (tens of seconds
    # on a grid with a few thousand of each); each count is now a subquery.
    for n in range(3):
        HouseholdFactory(grid=gw.a1, head_name=f"户{n}")
    for n in range(4):
        incident = services.incident_report(
            reporter=gw.grid_a,
            grid=gw.a1,
            category="sign",
            location=f"{n}号楼",
            description="路牌倒了",
        )
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    client.force_login(gw.grid_a)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("grids:my_grid")).content.decode()
    assert "4 户 · 3 件未办结" in page  # household_a1 and three more; one incident closed
    grid_sql = [q["sql"] for q in queries.captured_queries if 'FROM "grids_grid"' in q["sql"]]
    assert grid_sql and not any(
        'JOIN "grids_household"' in sql and 'JOIN "grids_incident"' in sql for sql in grid_sql
    )


def _report_data(gw, **extra):
    return {
        "grid": gw.a1.pk,
        "category": "hidden_danger",
        "priority": "normal",
        "location": "3号楼",
        "description": "电动车楼道充电",
        **extra,
    }


def test_grid_member_home_links_and_my_grid(gw, client):
    client.force_login(gw.grid_a)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("grids:incident_create") in home
    page = client.get(reverse("grids:my_grid")).content.decode()
    assert 'data-grid="A1"' in page and 'data-grid="A2"' not in page


@pytest.mark.parametrize(
    ("key", "visible"),
    [("grid_a", {"a1"}), ("grid_a_deputy", {"a1"}), ("grid_a2", {"a2"}), ("grid_b", {"b1"})],
)
def test_grid_member_sees_only_their_grids_households(gw, client, key, visible):
    client.force_login(getattr(gw, key))
    page = client.get(reverse("grids:household_list")).content.decode()
    for name in ("a1", "a2", "b1"):
        household = getattr(gw, f"household_{name}")
        detail = client.get(reverse("grids:household_detail", args=[household.pk]))
        assert (f'data-household="{household.pk}"' in page) == (name in visible)
        assert detail.status_code == (200 if name in visible else 404)


def test_household_page_masks_and_reveal_logs_each_view(gw, client):
    client.force_login(gw.grid_a)
    url = reverse("grids:household_detail", args=[gw.household_a1.pk])
    page = client.get(url).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert gw.resident_a1.id_number not in page
    response = client.post(reverse("grids:resident_reveal", args=[gw.resident_a1.pk]))
    assert response.status_code == 302
    page = client.get(url).content.decode()
    # A grid member sees the full phone (to call), never the ID number.
    assert "13912345678" in page and gw.resident_a1.id_number not in page
    entry = PersonalDataAccess.objects.get()
    assert (entry.viewer, entry.object_id, entry.fields) == (gw.grid_a, gw.resident_a1.pk, "phone")
    # Shown once: the next visit is masked again.
    assert "13912345678" not in client.get(url).content.decode()


def test_reveal_for_another_grid_is_404_and_not_logged(gw, client):
    client.force_login(gw.grid_a)
    response = client.post(reverse("grids:resident_reveal", args=[gw.resident_b1.pk]))
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_add_resident_through_the_portal_logs_a_move_in(gw, client):
    client.force_login(gw.grid_a)
    tag = KeyPersonTag.objects.get(code="disabled")
    url = reverse("grids:resident_add", args=[gw.household_a1.pk])
    bad = client.post(
        url, {"name": "赵四", "gender": "male", "relation": "child", "id_number": "1"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["id_number"]
    response = client.post(
        url,
        {
            "name": "赵四",
            "gender": "male",
            "relation": "child",
            "id_number": id_number(birth="19900202", serial="222"),
            "birth_date": "1990-02-02",
            "tags": [tag.pk],
        },
    )
    assert response.status_code == 302
    kinds = set(ChangeLogEntry.objects.values_list("kind", flat=True))
    assert kinds == {"move_in", "tag_added"}


def test_mismatched_birth_date_is_a_field_error(gw, client):
    client.force_login(gw.grid_a)
    url = reverse("grids:resident_add", args=[gw.household_a1.pk])
    response = client.post(
        url,
        {
            "name": "赵四",
            "gender": "male",
            "relation": "child",
            "id_number": id_number(birth="19900202", serial="222"),
            "birth_date": "1991-02-02",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["birth_date"]
    assert not ChangeLogEntry.objects.exists()


def test_move_out_through_the_portal(gw, client):
    client.force_login(gw.grid_a)
    response = client.post(
        reverse("grids:resident_leave", args=[gw.resident_a1.pk]),
        {"what": "move_out", "on": "2025-01-01", "note": "搬走"},
    )
    assert response.status_code == 302
    assert ChangeLogEntry.objects.get().kind == "move_out"


def test_move_out_date_starts_as_an_iso_date_the_date_input_accepts(gw, client):
    client.force_login(gw.grid_a)
    page = client.get(reverse("grids:household_detail", args=[gw.household_a1.pk]))
    today = timezone.localdate()
    html = page.content.decode()
    assert f'name="on" value="{today:%Y-%m-%d}"' in html
    assert f"{today:%Y/%m/%d}" not in html
    # A date the input cannot hold is refused; the ISO one is recorded.
    url = reverse("grids:resident_leave", args=[gw.resident_a1.pk])
    response = client.post(url, {"what": "death", "on": "not a date"}, follow=True)
    assert not ChangeLogEntry.objects.exists()
    response = client.post(url, {"what": "death", "on": today.isoformat()})
    assert response.status_code == 302
    assert ChangeLogEntry.objects.get().occurred_on == today


def test_grid_member_home_links_to_my_visits(gw, client):
    client.force_login(gw.grid_a)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("grids:visit_list") in home and "我的走访" in home
    client.force_login(gw.unit_rep_a)
    assert reverse("grids:visit_list") not in client.get(reverse("portal:home")).content.decode()


def test_log_a_visit(gw, client):
    client.force_login(gw.grid_a)
    url = reverse("grids:visit_create", args=[gw.household_a1.pk])
    assert client.post(url, {"role": "agent", "notes": ""}).status_code == 200
    response = client.post(
        url,
        {
            "role": "agent",
            "notes": "代办医保",
            "resident": gw.resident_a1.pk,
            "visited_at": "2025-03-01T10:00",
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.visitor, visit.role, visit.grid) == (gw.grid_a, "agent", gw.a1)
    other = reverse("grids:visit_create", args=[gw.household_b1.pk])
    assert client.get(other).status_code == 404


def test_report_an_incident_with_photos(gw, client):
    client.force_login(gw.grid_a)
    response = client.post(
        reverse("grids:incident_create"),
        _report_data(gw, photos=[photo("a.jpg"), photo("b.png", "PNG")]),
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == incident.get_absolute_url()
    assert incident.photos.count() == 2
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    photo_url = reverse("grids:incident_photo", args=[incident.pk, incident.photos.first().pk])
    assert photo_url in page.content.decode()
    assert client.get(photo_url).status_code == 200
    client.force_login(gw.grid_b)
    assert client.get(photo_url).status_code == 404


@pytest.mark.parametrize(
    "files",
    [
        "fake",
        "oversize",
        "seventh",
    ],
)
def test_bad_photos_are_field_errors_with_nothing_stored(gw, client, settings, files):
    if files == "fake":
        uploads = [SimpleUploadedFile("x.jpg", b"just text", content_type="image/jpeg")]
    elif files == "oversize":
        settings.HIVE_MAX_IMAGE_BYTES = 500
        uploads = [photo("big.png", "PNG", size=(300, 300))]
    else:
        uploads = [photo(f"{i}.jpg") for i in range(7)]
    client.force_login(gw.grid_a)
    response = client.post(reverse("grids:incident_create"), _report_data(gw, photos=uploads))
    assert response.status_code == 200
    assert response.context["form"].errors["photos"]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_photo_bombs_are_form_errors_naming_each_file(gw, client):
    """Six 40-megapixel PNGs of a few KB each: refused from their headers, nothing kept."""
    from tests.factories import png_bomb

    bombs = [SimpleUploadedFile(f"bomb{i}.png", png_bomb(8000, 5000)) for i in range(6)]
    client.force_login(gw.grid_a)
    response = client.post(reverse("grids:incident_create"), _report_data(gw, photos=bombs))
    assert response.status_code == 200
    errors = response.context["form"].errors["photos"]
    assert [error.split(":")[0] for error in errors] == [f"bomb{i}.png" for i in range(6)]
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_photos_with_too_many_pixels_together_are_one_form_error(gw, client, settings):
    settings.HIVE_MAX_UPLOAD_PIXELS = 1000
    client.force_login(gw.grid_a)
    response = client.post(
        reverse("grids:incident_create"),
        _report_data(gw, photos=[photo("a.jpg"), photo("b.png", "PNG")]),  # 600 + 600
    )
    assert response.status_code == 200
    assert len(response.context["form"].errors["photos"]) == 1
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_grid_member_cannot_report_into_another_grid(gw, client):
    client.force_login(gw.grid_a)
    response = client.post(reverse("grids:incident_create"), _report_data(gw, grid=gw.b1.pk))
    assert response.status_code == 200 and response.context["form"].errors["grid"]
    assert not Incident.objects.exists()


def test_assignee_works_the_incident_and_illegal_step_is_a_message(gw, client):
    incident = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="demand", location="x", description="y"
    )
    services.incident_accept(incident=incident, actor=gw.staff_a)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)
    client.force_login(gw.grid_a)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-action="start"' in page and 'data-action="verify"' not in page
    url = reverse("grids:incident_action", args=[incident.pk, "start"])
    assert client.post(url, {"note": ""}).status_code == 302
    # Staff-only step by the grid member: refused, state unchanged.
    verify = reverse("grids:incident_action", args=[incident.pk, "verify"])
    assert client.post(verify, {"note": ""}).status_code == 403
    # Illegal step: a message, no change.
    response = client.post(url, {"note": ""}, follow=True)
    assert "in progress" in response.content.decode().lower() or response.context["messages"]
    resolve = reverse("grids:incident_action", args=[incident.pk, "resolve"])
    assert client.post(resolve, {"resolution": ""}).status_code == 200
    assert client.post(resolve, {"resolution": "已劝离"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_staff_reject_in_the_portal_names_who_and_why(gw, client):
    incident = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="demand", location="x", description="y"
    )
    client.force_login(gw.staff_a)
    url = reverse("grids:incident_action", args=[incident.pk, "reject"])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "不属于社区职责"}).status_code == 302
    client.force_login(gw.grid_a)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "不属于社区职责" in page and str(gw.staff_a) in page


def test_tasks_and_sweeps_pages(gw, client):
    task = GridTaskFactory(grid=gw.a1, responsible=gw.grid_a)
    GridTaskFactory(grid=gw.a2, responsible=gw.grid_a2, title="别人的任务")
    client.force_login(gw.grid_a)
    page = client.get(reverse("grids:task_list")).content.decode()
    assert task.title in page and "别人的任务" not in page
    assert (
        client.post(reverse("grids:task_done", args=[task.pk]), {"note": "完成"}).status_code == 302
    )
    task.refresh_from_db()
    assert task.status == "done"
    place = KeyPlaceFactory(grid=gw.a1)
    sweep = services.sweep_create(
        actor=gw.staff_a,
        community=gw.a,
        grid=gw.a1,
        title="燃气排查",
        scope="key_area",
        scheduled_on="2026-01-10",
        checklist="燃气报警器\n软管老化",
        inspectors=[gw.grid_a],
    )
    url = reverse("grids:sweep_detail", args=[sweep.pk])
    assert client.get(reverse("grids:sweep_list")).status_code == 200
    response = client.post(
        url, {"place": place.pk, "failed_items": ["软管老化"], "category": "hidden_danger"}
    )
    assert response.status_code == 302
    assert Incident.objects.get().category == "hidden_danger"
    client.force_login(gw.grid_b)
    assert client.get(url).status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "name", ["grids:household_list", "grids:incident_list", "grids:key_person_list"]
)
def test_portal_lists_keep_a_constant_query_count(gw, client, name):
    tag = KeyPersonTag.objects.get(code="veteran")

    def grow(count):
        for _ in range(count):
            household = HouseholdFactory(grid=gw.a1)
            resident = ResidentFactory(household=household)
            services.resident_tag_add(actor=None, resident=resident, tag=tag)
            services.incident_report(
                reporter=gw.grid_a, grid=gw.a1, category="event", location="x", description="y"
            )

    client.force_login(gw.grid_a)
    grow(2)
    small = _queries(client, reverse(name))
    grow(10)
    assert _queries(client, reverse(name)) == small


def test_household_filter_by_another_communitys_building_finds_nothing(gw, client):
    own = BuildingFactory(grid=gw.a1, name="自家3号楼")
    foreign = BuildingFactory(grid=gw.b1, name="别的社区7号楼")
    gw.household_a1.building = own
    gw.household_a1.save()
    client.force_login(gw.grid_a)
    url = reverse("grids:household_list")
    assert "张大山" in client.get(url, {"building": own.pk}).content.decode()
    response = client.get(url, {"building": foreign.pk})
    assert response.status_code == 200
    assert 'data-household="' not in response.content.decode()


def test_portal_incident_list_pages_newest_first_without_a_count(gw, client, settings):
    from grids import views

    settings.DEBUG = False
    for number in range(views.PAGE_SIZE + 3):
        services.incident_report(
            reporter=gw.grid_a,
            grid=gw.a1,
            category="event",
            location=f"第{number}处",
            description="y",
        )
    client.force_login(gw.grid_a)
    url = reverse("grids:incident_list")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"category": "event"})
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not any("grids_incident" in sql for sql in counts)
    ids = [int(i) for i in re.findall(r'data-incident="(\d+)"', first.content.decode())]
    assert len(ids) == views.PAGE_SIZE and ids == sorted(ids, reverse=True)
    older = re.search(r'href="\?category=event&amp;before=(\d+)"', first.content.decode())
    assert older and int(older.group(1)) == ids[-1]
    second = client.get(url, {"category": "event", "before": older.group(1)}).content.decode()
    rest = [int(i) for i in re.findall(r'data-incident="(\d+)"', second)]
    assert len(rest) == 3 and max(rest) < ids[-1]
    assert 'href="?category=event"' in second  # back to the newest
    assert "before=" not in second.split("</main>")[0].split('href="?category=event"')[-1]
    # A malformed cursor is the first page, not an error.
    assert client.get(url, {"before": "abc"}).status_code == 200


def test_portal_incident_filter_is_phone_friendly_and_filters_by_date_and_overdue(gw, client):
    """The grid member's filter: Bootstrap widgets, the phone's date picker, 全部/是/否
    choices; the dates and the yes/no filters work, a bad date is shown, not a 500."""
    import datetime

    from django.utils import timezone

    late = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="event", location="逾期处", description="y"
    )
    fresh = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="event", location="新上报", description="y"
    )
    Incident.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - datetime.timedelta(days=1),
        created_at=timezone.now() - datetime.timedelta(days=10),
    )
    client.force_login(gw.grid_a)
    url = reverse("grids:incident_list")

    page = client.get(url).content.decode()
    assert 'type="date" name="reported_from"' in page
    assert '<select name="overdue" class="form-select"' in page
    assert '<option value="" selected>全部</option>' in page
    assert "---------" not in page and "未知" not in page

    def shown(params):
        html = client.get(url, params).content.decode()
        return {int(i) for i in re.findall(r'data-incident="(\d+)"', html)}

    assert shown({"overdue": "true"}) == {late.pk}
    assert fresh.pk in shown({"overdue": "false"}) and late.pk not in shown({"overdue": "false"})
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert fresh.pk in shown({"reported_from": since}) and late.pk not in shown(
        {"reported_from": since}
    )
    response = client.get(url, {"reported_from": "2026-13-45"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="2026-13-45" class="form-control is-invalid"' in html
    assert '<div class="invalid-feedback">' in html


def test_a_position_gives_both_coordinates_at_both_doors(gw, client, api_client):
    """Incident.clean() holds the rule: the portal's form and the API show its message."""
    message = "Give both latitude and longitude, or neither."
    client.force_login(gw.grid_a)
    page = client.post(reverse("grids:incident_create"), _report_data(gw, latitude="37.8"))
    refused_with(page, "longitude", message)
    api_client.force_authenticate(gw.grid_a)
    response = api_client.post(
        "/api/incidents/", _report_data(gw, longitude="112.5"), format="json"
    )
    refused_with(response, "longitude", message)
    assert not Incident.objects.exists()


def _scripts_are_all_files(page: str) -> bool:
    # The Content-Security-Policy forbids inline scripts: every <script> has a src, but
    # json_script's data blocks (type="application/json", never run).
    return not re.findall(r'<script(?![^>]*\b(?:src=|type="application/json"))', page)


def test_irreversible_incident_actions_ask_to_confirm(gw, client):
    incident = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="demand", location="x", description="y"
    )
    client.force_login(gw.staff_a)
    reject = reverse("grids:incident_action", args=[incident.pk, "reject"])
    page = client.get(reject).content.decode()
    assert "data-confirm=" in page and "此操作无法撤销，确定继续吗？" in page
    assert "hive/confirm.js" in page and _scripts_are_all_files(page)
    # Bad input shows the form again, still asking.
    response = client.post(reject, {"reason": ""})
    assert response.status_code == 200 and "data-confirm=" in response.content.decode()
    incident.refresh_from_db()
    assert incident.status != "rejected"
    # A step that can be taken back asks nothing.
    accept = reverse("grids:incident_action", args=[incident.pk, "accept"])
    assert "data-confirm=" not in client.get(accept).content.decode()
    assert finders.find("hive/confirm.js")


def test_move_out_or_death_asks_to_confirm(gw, client):
    client.force_login(gw.grid_a)
    page = client.get(reverse("grids:household_detail", args=[gw.household_a1.pk])).content
    assert 'data-confirm="此操作无法撤销，确定继续吗？"' in page.decode()


def test_incident_form_offers_use_my_location_from_a_static_script(gw, client):
    client.force_login(gw.grid_a)
    url = reverse("grids:incident_create")
    page = client.get(url).content.decode()
    # Hidden until the script finds navigator.geolocation.
    assert re.search(r"<button[^>]*hidden[^>]*data-locate[^>]*>使用我的位置</button>", page)
    assert 'data-latitude="id_latitude"' in page and 'data-longitude="id_longitude"' in page
    assert "grids/locate.js" in page and _scripts_are_all_files(page)
    assert finders.find("grids/locate.js")
    # Coordinates out of range (a tampered field) are refused, nothing stored.
    response = client.post(url, _report_data(gw, latitude="200", longitude="116.4"))
    assert response.status_code == 200 and response.context["form"].errors["latitude"]
    assert not Incident.objects.exists()
    response = client.post(url, _report_data(gw, latitude="39.904200", longitude="116.407400"))
    assert response.status_code == 302
    assert str(Incident.objects.get().latitude) == "39.904200"


def test_member_without_a_grid_is_shown_the_office_phone(gw, client):
    newcomer = user_with_role(Role.GRID_MEMBER, community=gw.a, username="newcomer")
    client.force_login(newcomer)
    page = client.get(reverse("grids:my_grid")).content.decode()
    assert "请联系社区办公室" in page and "data-office-phone" not in page  # no number yet
    gw.a.phone = "0571-88886666"
    gw.a.save(update_fields=["phone"])
    page = client.get(reverse("grids:my_grid")).content.decode()
    assert 'href="tel:0571-88886666"' in page
    # Only the member's own community, and not once a grid is assigned.
    gw.b.phone = "0571-11112222"
    gw.b.save(update_fields=["phone"])
    assert "0571-11112222" not in client.get(reverse("grids:my_grid")).content.decode()
    client.force_login(gw.grid_a)
    assert "data-office-phone" not in client.get(reverse("grids:my_grid")).content.decode()
