"""Uploaded files: stored under names their content gives, served to whom their row is
visible, in production too (DEBUG off), by Django or by nginx (X-Accel-Redirect)."""

import importlib
import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import clear_url_caches
from PIL import Image

from grids.models import IncidentPhoto
from grids.services import incident_report
from partycommittee.models import Agreement, CommitteeDocument, Project
from tests.grids.factories import GridFactory
from tests.partycommittee.factories import CommitteeFactory, ResidentUnitFactory
from tests.volunteers.factories import MicroWishFactory, walk
from volunteers.models import WishPhoto

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n<html><script>alert(document.cookie)</script></html>"
GENERATED = re.compile(r"^[0-9a-f]{32}\.(pdf|docx?|jpg|png|webp)$")


def _image(fmt="JPEG", size=(30, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def production(settings):
    """DEBUG off, with the URLs production builds (config.urls reads DEBUG when imported)."""
    import config.urls

    debug = settings.DEBUG
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = debug
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def document(world):
    committee = CommitteeFactory(community=world.a, name="虎尾沟社区大党委")
    return CommitteeDocument.objects.create(
        committee=committee, title="实施办法", kind="charter", file=ContentFile(PDF, "x.pdf")
    )


def _url(row, field="file") -> str:
    return getattr(row, field).url


# --- Item 4: stored under a generated name with the detected type's extension ------------


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("evil.html", PDF, "pdf"),
        ("evil.svg", _image("PNG"), "png"),
        ("../../etc/evil.htm", _image("JPEG"), "jpg"),
        ("report.pdf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "doc"),
    ],
)
def test_an_uploaded_document_is_stored_under_a_random_name_with_its_contents_type(
    world, client, name, content, extension
):
    committee = CommitteeFactory(community=world.a, name="虎尾沟社区大党委")
    client.force_login(world.staff_a)
    response = client.post(
        f"/admin/partycommittee/bigpartycommittee/{committee.pk}/change/",
        {
            "name": committee.name,
            "community": world.a.pk,
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-0-title": "实施办法",
            "documents-0-kind": "charter",
            "documents-0-file": SimpleUploadedFile(name, content, content_type="text/html"),
        },
    )
    assert response.status_code == 302
    stored = CommitteeDocument.objects.get().file.name
    directory, _slash, basename = stored.rpartition("/")
    assert directory.startswith("committee/") and ".." not in directory
    assert GENERATED.match(basename) and basename.endswith(f".{extension}")


def test_a_docx_keeps_its_type_and_a_photo_field_refuses_anything_else(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    committee = CommitteeFactory(community=world.a)
    row = CommitteeDocument.objects.create(
        committee=committee, title="t", file=ContentFile(buffer.getvalue(), "a.html")
    )
    assert row.file.name.endswith(".docx")
    grid = GridFactory(community=world.a, code="A1", member=world.grid_a)
    incident = incident_report(
        reporter=world.grid_a, grid=grid, category="demand", location="x", description="y"
    )
    svg = ContentFile(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "a.svg")
    with pytest.raises(ValidationError), transaction.atomic():
        IncidentPhoto.objects.create(incident=incident, image=svg)
    assert not IncidentPhoto.objects.exists()


def test_every_file_field_of_the_project_is_content_named_and_scoped():
    from hive.uploads import DocumentField, PhotoField
    from hive.uploads.media import file_owners

    owners = {(owner.model.__name__, owner.field.name) for owner in file_owners()}
    assert owners == {
        ("CommitteeDocument", "file"),
        ("Agreement", "file"),
        ("IncidentPhoto", "image"),
        ("WishPhoto", "image"),
    }
    for owner in file_owners():
        assert isinstance(owner.field, DocumentField | PhotoField)
        assert hasattr(owner.model._default_manager.all(), "visible_to")


# --- Item 4 and 7: served as a download with nosniff, to whom the row is visible ----------


def test_a_document_is_a_download_for_its_community_staff_in_production(
    production, world, document, client
):
    client.force_login(world.staff_a)
    response = client.get(_url(document))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E5%AE%9E%E6%96%BD%E5%8A%9E%E6%B3%95.pdf"
        in (response["Content-Disposition"])
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["staff_b", "staff_c", "grid_a", "party_a", None])
def test_a_document_is_404_for_other_communities_and_visitors(
    production, world, document, client, who
):
    if who:
        client.force_login(world.user(who))
    assert client.get(_url(document)).status_code == 404


def test_with_the_accel_setting_nginx_sends_the_body(production, world, document, client, settings):
    settings.HIVE_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    client.force_login(world.street_admin)
    response = client.get(_url(document))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{document.file.name}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.staff_c)
    response = client.get(_url(document))
    assert response.status_code == 404 and "X-Accel-Redirect" not in response


def test_an_old_document_stored_under_its_uploaders_name_is_never_a_web_page(
    production, world, document, client, media_root
):
    (media_root / "committee").mkdir(parents=True, exist_ok=True)
    (media_root / "committee" / "evil.html").write_bytes(PDF)
    CommitteeDocument.objects.filter(pk=document.pk).update(file="committee/evil.html")
    client.force_login(world.staff_a)
    response = client.get("/media/committee/evil.html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_row_whose_file_is_gone_is_404(production, world, document, client, media_root):
    document.file.storage.delete(document.file.name)
    client.force_login(world.staff_a)
    assert client.get(_url(document)).status_code == 404


def test_an_agreement_is_for_the_projects_community_and_units(production, world, client):
    unit = ResidentUnitFactory(community=world.a, name="物业公司")
    unit.representatives.add(world.unit_rep_a)
    project = Project.objects.create(community=world.a, title="加装电梯", description="x")
    project.units.add(unit)
    agreement = Agreement.objects.create(
        project=project, parties="物业\n社区", signed_on="2026-03-01", file=ContentFile(PDF)
    )
    for who, status in [("staff_a", 200), ("unit_rep_a", 200), ("staff_b", 404), (None, 404)]:
        client.logout()
        if who:
            client.force_login(world.user(who))
        assert client.get(_url(agreement)).status_code == status, who


# --- Photos: inline, with their image type ----------------------------------------------


@pytest.fixture
def incident_photo(world):
    grid = GridFactory(community=world.a, code="A1", member=world.grid_a)
    incident = incident_report(
        reporter=world.grid_a, grid=grid, category="demand", location="x", description="y"
    )
    return IncidentPhoto.objects.create(incident=incident, image=ContentFile(_image(), "p.jpg"))


def test_an_incident_photo_is_shown_inline_to_whom_the_incident_is_visible(
    production, world, incident_photo, client
):
    assert GENERATED.match(incident_photo.image.name.rpartition("/")[2])
    client.force_login(world.grid_a)
    for url in (
        _url(incident_photo, "image"),
        f"/portal/grids/incidents/{incident_photo.incident_id}/photos/{incident_photo.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.staff_b)
    assert client.get(_url(incident_photo, "image")).status_code == 404
    client.logout()
    assert client.get(_url(incident_photo, "image")).status_code == 404


def test_a_fulfilled_wishs_photo_is_for_its_claimer_staff_and_tracking_code(
    production, world, client
):
    wish = walk(MicroWishFactory(community=world.a), "fulfilled", world=world)
    photo = WishPhoto.objects.create(wish=wish, image=ContentFile(_image("PNG"), "w.png"))
    for who, status in [("party_a", 200), ("staff_a", 200), ("staff_b", 404), (None, 404)]:
        client.logout()
        if who:
            client.force_login(world.user(who))
        response = client.get(_url(photo, "image"))
        assert response.status_code == status, who
    client.logout()
    page = client.get(f"/wishes/track/{wish.tracking_code}/").content.decode()
    tracked = f"/wishes/track/{wish.tracking_code}/photos/{photo.pk}/"
    assert tracked in page and photo.image.url not in page
    response = client.get(tracked)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    other = walk(MicroWishFactory(community=world.a), "published", world=world)
    assert client.get(f"/wishes/track/{other.tracking_code}/photos/{photo.pk}/").status_code == 404


def test_a_photo_of_a_wish_on_the_public_wall_is_public(production, world, client):
    wish = walk(MicroWishFactory(community=world.a), "claimed", world=world)
    photo = WishPhoto.objects.create(wish=wish, image=ContentFile(_image(), "w.jpg"))
    response = client.get(_url(photo, "image"))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


# --- Paths: only a row's file, never a 500 ------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/media/../hive/settings.py",
        "/media/committee/../../hive/settings.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/%2E%2E%2Fmanage.py",
        "/media/..%5c..%5cmanage.py",
        "/media//etc/passwd",
        "/media/%2Fetc%2Fpasswd",
        "/media/./committee/x.pdf",
        "/media/committee//x.pdf",
        "/media/",
        "/media/nothing/here.pdf",
    ],
)
def test_paths_outside_the_rows_files_are_404(production, world, document, client, path):
    client.force_login(world.superuser)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/media/committee/%00.pdf", "/media/committee/x.pdf%00.html"])
def test_a_nul_in_a_media_path_is_refused(production, world, document, client, path):
    # Before any view: hive.ops.middleware.MalformedInputMiddleware refuses NUL in every path.
    client.force_login(world.superuser)
    assert client.get(path).status_code == 400
    assert client.get(f"/media/{document.file.name}%00").status_code == 400


def test_the_documents_own_path_made_odd_is_404(production, world, document, client, media_root):
    client.force_login(world.superuser)
    directory, _slash, basename = document.file.name.rpartition("/")
    for path in (
        f"/media/{directory}/../{directory.rpartition('/')[2]}/{basename}",
        f"/media/{directory}/./{basename}",
        f"/media/{media_root}/{document.file.name}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/media/{document.file.name}").status_code == 200


@pytest.mark.parametrize(
    "name",
    ["", "/etc/passwd", "a/../b", "./a", "a//b", "a\\..\\b", "a\x00b", "a/\x1fb", "." * 300],
)
def test_clean_media_name_refuses_what_is_not_a_plain_relative_path(name):
    from hive.uploads.media import clean_media_name

    assert clean_media_name(name) is None


def test_uploads_are_served_with_debug_on_too(world, document, client, settings):
    """`make run`: the same view, DEBUG on."""
    client.force_login(world.staff_a)
    assert client.get(_url(document)).status_code == 200
