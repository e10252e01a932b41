"""A report filed through Open311 is an ordinary incident: the grid member sees it in the
portal and it follows the normal workflow; staff issue and revoke keys in the admin."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from grids import services as grid_services
from grids.models import IncidentPhoto
from open311 import services
from open311.models import PartnerKey, ServiceRequest
from tests.factories import refused_with
from tests.grids.factories import photo
from tests.open311.test_endpoints import V2, post

pytestmark = pytest.mark.django_db


def _public(client, incident_id):
    response = client.get(f"{V2}/requests/{incident_id}.json", {"jurisdiction_id": "a"})
    return response.json()[0]


def test_grid_member_sees_the_report_and_it_follows_the_workflow(ow, client):
    assert post(client, ow).status_code == 200
    incident = ServiceRequest.objects.get().incident
    # The grid member of A1 sees it in the portal list and its page; A2's member does not.
    client.force_login(ow.grid_a)
    page = client.get(reverse("grids:incident_list")).content.decode()
    assert incident.get_absolute_url() in page
    detail = client.get(incident.get_absolute_url())
    assert detail.status_code == 200 and "电动车在楼道充电" in detail.content.decode()
    client.force_login(ow.grid_a2)
    assert client.get(incident.get_absolute_url()).status_code == 404
    client.logout()

    grid_services.incident_accept(incident=incident, actor=ow.staff_a)
    grid_services.incident_assign(incident=incident, actor=ow.staff_a, assignee=ow.grid_a)
    client.force_login(ow.grid_a)
    start = reverse("grids:incident_action", args=[incident.pk, "start"])
    assert client.post(start, {"note": ""}).status_code == 302
    client.logout()
    assert _public(client, incident.pk)["status_notes"] == "实施中"
    assert _public(client, incident.pk)["status"] == "open"

    grid_services.incident_resolve(incident=incident, actor=ow.grid_a, resolution="已清理")
    grid_services.incident_verify(incident=incident, actor=ow.staff_a)
    grid_services.incident_close(incident=incident, actor=ow.staff_a)
    public = _public(client, incident.pk)
    assert (public["status"], public["status_notes"]) == ("closed", "已办结")


def test_reports_go_to_the_default_grid_or_the_only_grid(ow, client):
    ow.key.default_grid = ow.a2
    ow.key.save()
    assert post(client, ow, lat="", long="").status_code == 200
    assert ServiceRequest.objects.get().incident.grid == ow.a2


def test_report_without_a_matching_grid_in_a_one_grid_community(ow, client):
    _key, raw = services.partner_key_issue(
        actor=ow.staff_b, community=ow.b, name="B热线", reporter=ow.staff_b
    )
    response = post(client, ow, jurisdiction_id="b", api_key=raw, lat="1", long="1")
    assert response.status_code == 200
    assert ServiceRequest.objects.get().incident.grid == ow.b1


def test_media_upload_becomes_an_incident_photo_and_media_url_is_kept(ow, client):
    response = post(client, ow, media=photo(), media_url="https://example.com/p.jpg")
    assert response.status_code == 200, response.content
    row = ServiceRequest.objects.get()
    assert IncidentPhoto.objects.filter(incident=row.incident).count() == 1
    assert _public(client, row.incident_id)["media_url"] == "https://example.com/p.jpg"


def test_media_that_is_not_a_photo_is_refused_and_nothing_stored(ow, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, ow, media=bad)
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()


def test_admin_issues_a_key_shown_once_and_stores_only_its_hash(ow, client):
    client.force_login(ow.staff_a)
    response = client.post(
        reverse("admin:open311_partnerkey_add"),
        {"community": ow.a.pk, "name": "城市随手拍", "reporter": ow.staff_a.pk, "default_grid": ""},
    )
    assert response.status_code == 200, response.content
    raw_key = response.context["raw_key"]
    key = PartnerKey.objects.get(name="城市随手拍")
    assert raw_key in response.content.decode()
    assert key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key.startswith(key.prefix)
    assert raw_key not in str(PartnerKey.objects.filter(pk=key.pk).values().get())
    # The change page never shows it again.
    page = client.get(reverse("admin:open311_partnerkey_change", args=[key.pk])).content.decode()
    assert raw_key not in page and key.prefix in page
    # The key works.
    client.logout()
    assert post(client, ow, api_key=raw_key).status_code == 200


def test_a_reporter_who_is_not_staff_of_the_community_is_refused_by_admin_and_service(ow, client):
    """PartnerKey.clean() holds the rule: the admin's form and the service say the same."""
    message = "Choose a staff member of this community: reports are filed in their name."
    # The street administrator may pick B's staff member (a choice), who does not run A.
    client.force_login(ow.street_admin)
    response = client.post(
        reverse("admin:open311_partnerkey_add"),
        {"community": ow.a.pk, "name": "x", "reporter": ow.staff_b.pk, "default_grid": ""},
    )
    refused_with(response, "reporter", message)
    assert "raw_key" not in response.context
    with pytest.raises(ValidationError) as refused:
        services.partner_key_issue(actor=ow.staff_a, community=ow.a, name="x", reporter=ow.grid_a)
    assert refused.value.message_dict["reporter"] == [translation.gettext(message)]
    assert not PartnerKey.objects.filter(name="x").exists()


def test_admin_revokes_keys_and_staff_of_another_community_cannot(ow, client):
    url = reverse("admin:open311_partnerkey_changelist")
    client.force_login(ow.staff_b)
    client.post(url, {"action": "revoke_selected", "_selected_action": [ow.key.pk]})
    ow.key.refresh_from_db()
    assert not ow.key.is_revoked
    client.force_login(ow.staff_a)
    client.post(url, {"action": "revoke_selected", "_selected_action": [ow.key.pk]})
    ow.key.refresh_from_db()
    assert ow.key.is_revoked and ow.key.revoked_by == ow.staff_a
    client.logout()
    assert post(client, ow).status_code == 403


def test_admin_lists_requests_with_masked_contacts(ow, client):
    post(client, ow)
    client.force_login(ow.staff_a)
    page = client.get(reverse("admin:open311_servicerequest_changelist")).content.decode()
    assert "138****2222" in page and "13811112222" not in page


def test_admin_refuses_a_duplicate_question_code_with_a_form_error(ow, client):
    from open311.models import Service, ServiceAttribute

    client.force_login(ow.staff_a)
    data = {
        "community": ow.a.pk,
        "category": "hidden_danger",
        "order": 1,
        "code": "floor",
        "description": "几楼？",
        "datatype": "number",
        "variable": "on",
    }
    url = reverse("admin:open311_serviceattribute_add")
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200 and again.context["adminform"].form.errors
    assert ServiceAttribute.objects.count() == 1
    # A staff-defined service's own questions, inline: two with one code.
    service = Service.objects.create(
        community=ow.a, code="dog", name="犬只扰民", category="event", group="环境"
    )
    prefix = "attributes"
    inline = {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index in range(2):
        inline.update(
            {
                f"{prefix}-{index}-order": index,
                f"{prefix}-{index}-code": "breed",
                f"{prefix}-{index}-description": "品种",
                f"{prefix}-{index}-datatype": "string",
                f"{prefix}-{index}-variable": "on",
            }
        )
    change = reverse("admin:open311_service_change", args=[service.pk])
    form = {
        "community": ow.a.pk,
        "code": "dog",
        "name": "犬只扰民",
        "category": "event",
        "group": "环境",
        "active": "on",
        **inline,
    }
    response = client.post(change, form)
    assert response.status_code == 200
    assert not ServiceAttribute.objects.filter(service=service).exists()
