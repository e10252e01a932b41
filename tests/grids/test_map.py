"""The map (一张图): layers scoped like the lists, clusters and points, bad parameters."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from grids import map as selectors
from grids.models import Building, Incident, KeyPlace
from hive import dashboard


def _square(west, south, size=0.01):
    ring = [[west, south], [west + size, south], [west + size, south + size], [west, south + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


SQUARE_A1 = _square(112.0, 37.0)
SQUARE_B1 = _square(112.1, 37.1)
WIDE = "111.5,36.5,112.5,37.5"


def _incident(grid, lat, lng, **kwargs):
    kwargs.setdefault("category", "sign")
    return Incident.objects.create(
        community=grid.community,
        grid=grid,
        location="门口",
        description="秘密描述 13812345678",
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lng)),
        **kwargs,
    )


@pytest.fixture
def mapped(gw):
    gw.a1.boundary = SQUARE_A1
    gw.a1.save()
    gw.b1.boundary = SQUARE_B1
    gw.b1.save()
    gw.ia = [_incident(gw.a1, 37.005, 112.005) for _ in range(3)]
    gw.ia.append(
        _incident(
            gw.a1,
            37.006,
            112.006,
            category="dispute",
            deadline=timezone.now() - datetime.timedelta(hours=1),
        )
    )
    gw.ib = _incident(gw.b1, 37.105, 112.105)
    return gw


def _get(client, user, path, **params):
    client.force_authenticate(user)
    return client.get(path, params)


def test_cells_are_counted_in_the_database_and_scoped(mapped, api_client):
    body = _get(api_client, mapped.staff_a, "/api/map/incidents/", bbox=WIDE, zoom=10).json()
    assert body["clustered"] is True
    assert sum(f["properties"]["count"] for f in body["features"]) == 4
    assert sum(f["properties"]["overdue"] for f in body["features"]) == 1
    assert all(f["properties"]["cluster"] for f in body["features"])
    street = _get(api_client, mapped.street_admin, "/api/map/incidents/", bbox=WIDE, zoom=10)
    assert sum(f["properties"]["count"] for f in street.json()["features"]) == 5
    other = _get(api_client, mapped.staff_c, "/api/map/incidents/", bbox=WIDE, zoom=10)
    assert other.json()["features"] == []


def test_a_write_shows_at_once_through_the_version_key(mapped, api_client):
    first = _get(api_client, mapped.staff_a, "/api/map/incidents/", bbox=WIDE, zoom=10).json()
    _incident(mapped.a1, 37.005, 112.005)  # a save bumps the dashboard version
    again = _get(api_client, mapped.staff_a, "/api/map/incidents/", bbox=WIDE, zoom=10).json()
    count = lambda body: sum(f["properties"]["count"] for f in body["features"])  # noqa: E731
    assert count(again) == count(first) + 1


def test_points_at_high_zoom_carry_no_personal_data(mapped, api_client):
    response = _get(
        api_client, mapped.staff_a, "/api/map/incidents/", bbox="112.0,37.0,112.01,37.01", zoom=17
    )
    body = response.json()
    assert body["clustered"] is False and body["truncated"] is False
    assert len(body["features"]) == 4
    props = body["features"][0]["properties"]
    assert set(props) == {
        "id",
        "category",
        "category_label",
        "status",
        "status_label",
        "overdue",
        "created",
        "url",
    }
    assert props["url"].startswith("/admin/grids/incident/")
    text = json.dumps(body, ensure_ascii=False)
    assert "秘密" not in text and "13812345678" not in text and "门口" not in text
    assert sum(f["properties"]["overdue"] for f in body["features"]) == 1


def test_a_dense_viewport_gets_the_finest_cells_and_points_are_capped(
    mapped, api_client, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_POINTS", 2)
    body = _get(
        api_client, mapped.staff_a, "/api/map/incidents/", bbox="112.0,37.0,112.01,37.01", zoom=17
    ).json()
    assert body["clustered"] is True and body["truncated"] is True
    assert sum(f["properties"]["count"] for f in body["features"]) == 4
    filters = selectors.MapFilters(bbox=(112.0, 37.0, 112.01, 37.01), zoom=17)
    points = selectors.incident_points(mapped.staff_a, filters)
    assert len(points["features"]) == 2 and points["truncated"] is True


def test_coarser_cells_are_merged_from_the_finest():
    cells = [(10, 10, 1, 0, 1.0, 2.0), (11, 11, 2, 1, 2.0, 4.0), (12, 10, 1, 0, 1.0, 2.0)]
    assert sorted(selectors.coarsen(cells, 15)) == [(5, 5, 3, 1, 3.0, 6.0), (6, 5, 1, 0, 1.0, 2.0)]
    assert selectors.coarsen(cells, 16) == cells
    assert selectors.coarsen([(-1, -3, 1, 0, 0.0, 0.0)], 15) == [(-1, -2, 1, 0, 0.0, 0.0)]


def test_filters_category_status_and_period(mapped, api_client):
    def count(**params):
        body = _get(
            api_client, mapped.staff_a, "/api/map/incidents/", bbox=WIDE, zoom=10, **params
        ).json()
        return sum(f["properties"]["count"] for f in body["features"])

    assert count(category="dispute") == 1
    assert count(status="overdue") == 1
    assert count(status="open") == 4
    assert count(status="closed") == 0
    Incident.objects.filter(pk=mapped.ia[0].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=800)
    )
    dashboard.dashboard_invalidate(community_id=mapped.a.pk)
    assert count(period="year") == 3
    assert count(period="all") == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3", "zoom": 10}, "bbox"),
        ({"bbox": "a,b,c,d", "zoom": 10}, "bbox"),
        ({"bbox": "nan,1,2,3", "zoom": 10}, "bbox"),
        ({"bbox": "200,1,201,2", "zoom": 10}, "bbox"),
        ({"bbox": "1,95,2,96", "zoom": 10}, "bbox"),
        ({"bbox": "3,1,2,2", "zoom": 10}, "bbox"),
        ({"bbox": WIDE, "zoom": 17}, "bbox"),  # too large for individual points
        ({"zoom": 17}, "bbox"),
        ({"bbox": WIDE, "zoom": 40}, "zoom"),
        ({"bbox": WIDE, "zoom": "x"}, "zoom"),
        ({"bbox": WIDE, "period": "decade"}, "period"),
        ({"bbox": WIDE, "category": "nope"}, "category"),
        ({"bbox": WIDE, "status": "nope"}, "status"),
        ({"bbox": WIDE, "community": "x"}, "community"),
    ],
)
def test_bad_parameters_are_400_with_field_messages(mapped, api_client, params, field):
    response = _get(api_client, mapped.staff_a, "/api/map/incidents/", **params)
    assert response.status_code == 400
    assert field in response.json()


def test_another_communitys_staff_cannot_ask_for_it(mapped, api_client):
    response = _get(
        api_client, mapped.staff_b, "/api/map/incidents/", bbox=WIDE, zoom=10, community=mapped.a.pk
    )
    assert response.status_code == 400 and "community" in response.json()
    response = _get(api_client, mapped.staff_b, "/api/map/grids/", grid=mapped.a1.pk)
    assert response.status_code == 400 and "grid" in response.json()
    grids = _get(api_client, mapped.staff_b, "/api/map/grids/").json()
    assert [f["properties"]["code"] for f in grids["features"]] == ["B1"]


def test_grid_layer_counts_open_and_overdue_in_one_query(
    mapped, api_client, django_assert_max_num_queries
):
    api_client.force_authenticate(mapped.street_admin)
    with django_assert_max_num_queries(8):
        body = api_client.get("/api/map/grids/").json()
    by_code = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    assert by_code["A1"]["open"] == 4 and by_code["A1"]["overdue"] == 1
    assert by_code["B1"]["open"] == 1
    assert "A2" not in by_code  # no boundary
    assert set(by_code["A1"]) == {"id", "code", "name", "community", "open", "overdue", "url"}


def test_query_count_does_not_grow_with_points(mapped, api_client, django_assert_max_num_queries):
    for _ in range(20):
        _incident(mapped.a1, 37.007, 112.007)
    api_client.force_authenticate(mapped.staff_a)
    with django_assert_max_num_queries(8):
        api_client.get("/api/map/incidents/", {"bbox": "112.0,37.0,112.01,37.01", "zoom": 17})
    with django_assert_max_num_queries(10):
        api_client.get("/api/map/incidents/", {"bbox": WIDE, "zoom": 10})


def test_a_grid_member_sees_their_grids_incidents_only(mapped, api_client):
    body = _get(
        api_client, mapped.grid_b, "/api/map/incidents/", bbox=WIDE, zoom=10, status="open"
    ).json()
    assert sum(f["properties"]["count"] for f in body["features"]) == 1
    points = _get(
        api_client, mapped.grid_b, "/api/map/incidents/", bbox="112.1,37.1,112.11,37.11", zoom=17
    ).json()
    assert [f["properties"]["id"] for f in points["features"]] == [mapped.ib.pk]
    assert points["features"][0]["properties"]["url"].startswith("/portal/grids/incidents/")


def test_other_layers(mapped, api_client):
    from tests.volunteers.factories import MicroWishFactory

    KeyPlace.objects.create(
        community=mapped.a,
        grid=mapped.a1,
        kind="shop",
        name="小卖部",
        contact_phone="13800001111",
        latitude=Decimal("37.004"),
        longitude=Decimal("112.004"),
    )
    Building.objects.create(
        community=mapped.a,
        grid=mapped.a1,
        name="3号楼",
        latitude=Decimal("37.003"),
        longitude=Decimal("112.003"),
    )
    mapped.unit_a1.latitude, mapped.unit_a1.longitude = Decimal("37.002"), Decimal("112.002")
    mapped.unit_a1.save()
    MicroWishFactory(community=mapped.a, status="published")
    MicroWishFactory(community=mapped.b, status="published")
    api_client.force_authenticate(mapped.staff_a)
    sweeps = api_client.get("/api/map/layers/sweeps/").json()
    assert [f["properties"]["name"] for f in sweeps["features"]] == ["小卖部"]
    assert "13800001111" not in json.dumps(sweeps)
    buildings = api_client.get("/api/map/layers/buildings/").json()
    assert [f["properties"]["name"] for f in buildings["features"]] == ["3号楼"]
    units = api_client.get("/api/map/layers/units/").json()
    assert [f["properties"]["name"] for f in units["features"]] == ["物业公司"]
    wishes = api_client.get("/api/map/layers/wishes/").json()
    assert [f["properties"]["count"] for f in wishes["features"]] == [1]
    assert wishes["features"][0]["geometry"]["coordinates"] == [112.005, 37.005]
    assert api_client.get("/api/map/layers/nope/").status_code == 404
    staff_b = _get(api_client, mapped.staff_b, "/api/map/layers/buildings/").json()
    assert staff_b["features"] == []


def test_heat_weights(mapped, api_client):
    body = _get(api_client, mapped.staff_a, "/api/map/heat/", zoom=10).json()
    assert body["max_count"] == 4 and len(body["features"]) == 1
    finer = _get(api_client, mapped.staff_a, "/api/map/heat/").json()  # HEAT_ZOOM
    assert sum(f["properties"]["count"] for f in finer["features"]) == 4
    assert max(f["properties"]["weight"] for f in body["features"]) == 1


def test_the_schema_documents_the_map(api_client, world):
    api_client.force_authenticate(world.superuser)
    schema = api_client.get("/api/schema/").content.decode()
    assert "/api/map/incidents/" in schema and "/api/map/heat/" in schema


def test_the_dashboards_warm_up_counts_the_default_map(mapped, api_client, monkeypatch):
    dashboard.dashboard_warm(community_ids=[mapped.a.pk])
    counted = []
    original = selectors._aggregate
    monkeypatch.setattr(
        selectors, "_aggregate", lambda *a, **k: counted.append(1) or original(*a, **k)
    )
    body = _get(api_client, mapped.staff_a, "/api/map/incidents/", bbox=WIDE, zoom=10).json()
    assert sum(f["properties"]["count"] for f in body["features"]) == 4
    assert counted == []  # read from the cache the warm-up filled
