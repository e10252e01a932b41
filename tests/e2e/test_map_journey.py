"""Staff draw a grid's boundary on the admin map; the grid member reports from a phone with
the map pin, without choosing a grid, and the report lands in that grid. No tiles: the map
draws on its plain background."""

import re

import pytest
from playwright.sync_api import expect

from grids.models import Grid, Incident
from grids.selectors import boundary_contains
from tests.e2e.conftest import AXE, AXE_IMPACTS
from tests.grids.factories import GridFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _snap_admin(person, name):
    """The journey's screenshot and axe check, leaving out Django's own filter_horizontal
    selector (its spans carry an aria-label axe refuses; not ours to fix)."""
    person.step += 1
    page = person.page
    page.screenshot(path=str(person.folder / f"{person.step:02d}-{person.who}-{name}.png"))
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const r = await axe.run({exclude: [['.selector']]}, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in violations if v["impact"] in AXE_IMPACTS]
    assert not bad, bad


def test_staff_draw_a_boundary_and_a_pinned_report_lands_in_that_grid(world, journey):
    grid = GridFactory(community=world.a, code="A1", name="一网格", member=world.grid_a)
    # A neighbour with a boundary already, drawn faintly for reference.
    GridFactory(
        community=world.a,
        code="A2",
        name="二网格",
        boundary={
            "type": "Polygon",
            "coordinates": [
                [
                    [113.566, 37.86],
                    [113.572, 37.86],
                    [113.572, 37.866],
                    [113.566, 37.866],
                    [113.566, 37.86],
                ]
            ],
        },
    )

    staff = journey("staff")
    staff.login(world.staff_a.username, None)
    page = staff.goto(f"/admin/grids/grid/{grid.pk}/change/")
    canvas = page.locator("[data-boundary-map] .hive-map")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    expect(page.get_by_text("A2 二网格")).to_be_visible()
    _snap_admin(staff, "grid-map")
    page.locator(".leaflet-pm-icon-polygon").click()
    box = canvas.bounding_box()
    # A square left of the neighbour (it fills the middle of the map), closed on its start.
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    corners = [(0.08, 0.25), (0.28, 0.25), (0.28, 0.75), (0.08, 0.75), (0.08, 0.25)]
    for fx, fy in corners:
        page.mouse.click(x + w * fx, y + h * fy)
        page.wait_for_timeout(150)
    drawn = page.locator("textarea[name=boundary]").input_value()
    assert '"Polygon"' in drawn, drawn
    _snap_admin(staff, "grid-drawn")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/grids/grid/$"))
    grid.refresh_from_db()
    assert grid.boundary["type"] == "Polygon"
    ring = grid.boundary["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5

    member = journey("grid-member", phone=True)
    member.login(world.grid_a.username, None)
    page = member.goto("/portal/grids/incidents/new/")
    pin_map = page.locator("[data-pin-map]")
    expect(pin_map).to_be_visible()
    page.get_by_role("combobox", name="网格").select_option(value="")
    page.get_by_role("textbox", name="位置", exact=True).fill("东门路灯")
    page.get_by_label("情况描述").fill("路灯不亮，晚上看不清路")
    pin_map.scroll_into_view_if_needed()
    pin_box = pin_map.bounding_box()
    # The pin map fits the member's grid: its middle lies inside the drawn boundary.
    page.mouse.click(pin_box["x"] + pin_box["width"] / 2, pin_box["y"] + pin_box["height"] / 2)
    assert page.locator("#id_latitude").input_value()
    member.snap("report-with-pin")
    page.get_by_role("button", name="上报", exact=True).click()
    page.wait_for_url(re.compile(r"/portal/grids/incidents/\d+/$"))
    incident = Incident.objects.get(location="东门路灯")
    assert incident.grid == grid
    assert not Grid.objects.filter(holds_unplaced=True).exists()
    member.snap("reported")

    # The staff map's incident layer counts it, at its point (the mean of a cell's points
    # at low zoom: here the cell holds only this report).
    page = staff.page
    with page.expect_response(
        lambda r: "/api/map/incidents/" in r.url and r.status == 200
    ) as answer:
        staff.goto("/admin/map/")
    features = answer.value.json()["features"]
    assert sum(f["properties"].get("count", 1) for f in features) == 1
    lng, lat = features[0]["geometry"]["coordinates"]
    assert boundary_contains(grid.boundary, longitude=lng, latitude=lat)
    assert (
        abs(lat - float(incident.latitude)) < 1e-5 and abs(lng - float(incident.longitude)) < 1e-5
    )
    page.wait_for_timeout(500)
    _snap_admin(staff, "staff-map")
