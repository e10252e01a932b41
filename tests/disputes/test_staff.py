"""The staff door (admin): register with parties, the ledger export, bulk moves, the
setup of rooms, partners and mediators, consultations."""

import io
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from openpyxl import load_workbook

from disputes.models import CaseParty, Consultation, DisputeCase, Mediator, PartnerInstitution
from hive.access.roles import Role
from hive.models import Notification, TimelineEntry
from partycommittee.models import ResidentUnit
from tests.disputes.factories import register, walk
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def add_form(world, room, med, parties, registered_at=None):
    # A minute ago by default: a registration time may not lie in the future.
    registered_at = timezone.localtime(registered_at or timezone.now() - timedelta(minutes=1))
    data = {
        "community": world.a.pk,
        "room": room.pk,
        "source": "walk_in",
        "kind": "neighbours",
        "title": "邻里漏水",
        "facts": "楼上漏水殃及楼下",
        "amount_in_dispute": "800",
        "governance_methods": ["virtue", "self_governance"],
        "mediators": [med.pk],
        "registered_at_0": registered_at.date().isoformat(),
        "registered_at_1": registered_at.strftime("%H:%M:%S"),
        "parties-TOTAL_FORMS": str(len(parties)),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "1000",
    }
    for index, party in enumerate(parties):
        for field, value in party.items():
            data[f"parties-{index}-{field}"] = value
    return data


APPLICANT = {"role": "applicant", "name": "赵大", "phone": "13700137000", "address": "3-501"}
RESPONDENT = {"role": "respondent", "name": "钱二", "phone": "", "address": "3-601"}


def test_staff_register_a_case_in_the_admin(world, client, room_a, med_a):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_disputecase_add"),
        add_form(world, room_a, med_a, [APPLICANT, RESPONDENT]),
    )
    assert response.status_code == 302, response.context["errors"]
    case = DisputeCase.objects.get()
    assert case.number == f"{timezone.localdate().year}-0001"
    assert case.governance_methods == ["virtue", "self_governance"]
    assert list(case.mediators.all()) == [med_a]
    assert case.parties.count() == 2
    assert TimelineEntry.objects.for_object(case).get().to_state == "registered"
    # The mediator is told, as when the case is registered in the portal or the API.
    assert Notification.objects.filter(
        recipient=med_a.user, key=f"case-assigned-{case.pk}-{med_a.pk}"
    ).exists()


class _FormValues(HTMLParser):
    """The values a browser would send for the admin's change form, as rendered."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.select, self.textarea = form_id, False, None, None
        self.data = MultiValueDict()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.appendlist(attrs["name"], attrs.get("value", "on"))
            else:
                self.data.appendlist(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.appendlist(self.select, attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data.appendlist(self.textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.textarea:
            values = self.data.getlist(self.textarea)
            values[-1] += data.lstrip("\n") if not values[-1] else data
            self.data.setlist(self.textarea, values)


def test_a_mediator_added_in_the_admin_case_form_is_told_once(world, client, room_a, med_a):
    """Also: a registered case can be saved in the admin at all (its parties, shown
    masked and read-only, were checked again as if being registered, and refused)."""
    other = Mediator.objects.create(
        community=world.a,
        user=user_with_role(Role.MEDIATOR, community=world.a, username="med_two"),
    )
    case = register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])
    client.force_login(world.staff_a)
    url = reverse("admin:disputes_disputecase_change", args=[case.pk])
    parser = _FormValues("disputecase_form")
    parser.feed(client.get(url).content.decode())
    data = parser.data
    data.setlist("mediators", [str(med_a.pk), str(other.pk)])
    response = client.post(url, {key: data.getlist(key) for key in data})
    assert response.status_code == 302, response.context["errors"]
    assert set(case.mediators.all()) == {med_a, other}
    told = Notification.objects.filter(key__startswith=f"case-assigned-{case.pk}-")
    # med_a once, at registration; med_two now.
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        [med_a.user.username, "med_two"]
    )


def test_a_finished_case_keeps_its_mediators_in_the_admin(world, client, room_a, med_a):
    case = register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])
    DisputeCase.objects.filter(pk=case.pk).update(
        status=DisputeCase.Status.CLOSED, closed_at=timezone.now()
    )
    client.force_login(world.staff_a)
    page = client.get(reverse("admin:disputes_disputecase_change", args=[case.pk]))
    assert "mediators" not in page.context["adminform"].form.fields


@pytest.mark.parametrize(
    "parties",
    [[], [APPLICANT], [APPLICANT, {**RESPONDENT, "name": ""}]],
    ids=["none", "no-respondent", "nameless"],
)
def test_admin_registration_without_proper_parties_stores_nothing(
    world, client, room_a, med_a, parties
):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_disputecase_add"), add_form(world, room_a, med_a, parties)
    )
    assert response.status_code == 200
    assert response.context["errors"]
    assert not DisputeCase.objects.exists()
    assert not CaseParty.objects.exists()


def test_admin_registration_in_an_inactive_room_is_refused(world, client, room_a, med_a):
    room_a.is_active = False
    room_a.save()
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_disputecase_add"),
        add_form(world, room_a, med_a, [APPLICANT, RESPONDENT]),
    )
    assert response.status_code == 200
    assert "room" in response.context["adminform"].form.errors
    assert not DisputeCase.objects.exists() and not CaseParty.objects.exists()


def test_admin_registration_in_the_future_is_refused(world, client, room_a, med_a):
    client.force_login(world.staff_a)
    tomorrow = timezone.now() + timedelta(days=1)
    response = client.post(
        reverse("admin:disputes_disputecase_add"),
        add_form(world, room_a, med_a, [APPLICANT, RESPONDENT], registered_at=tomorrow),
    )
    assert response.status_code == 200
    assert "registered_at" in response.context["adminform"].form.errors
    assert not DisputeCase.objects.exists() and not CaseParty.objects.exists()


def test_admin_change_page_shows_parties_masked(world, client, case):
    client.force_login(world.staff_a)
    html = client.get(reverse("admin:disputes_disputecase_change", args=[case.pk])).content
    html = html.decode()
    assert "13800138000" not in html and "138****8000" in html


def test_ledger_export_is_xlsx_with_masked_parties_and_only_own_community(
    world, client, case, room_b
):
    register(community=world.b, room=room_b, actor=world.staff_b, title="新泽苑的案子")
    walk(case, "agreement_reached", actor=world.staff_a)
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_disputecase_export"),
        {
            "format": "0",
            "resource": "0",
            **{
                f"caseledgerresource_{f}": "on"
                for f in ["number", "title", "applicants", "status", "agreement_signed_on"]
            },
        },
    )
    assert response.status_code == 200, response.content[:300]
    assert "spreadsheetml" in response["Content-Type"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    flat = " ".join(str(v) for row in rows for v in row)
    assert case.number in flat and "楼上噪音扰民" in flat
    assert "新泽苑的案子" not in flat
    assert "13800138000" not in flat and "138****8000" in flat


def test_bulk_accept_reports_refusals(world, client, case, room_a):
    done = register(community=world.a, room=room_a, actor=world.staff_a)
    walk(done, "accepted", actor=world.staff_a)
    client.force_login(world.staff_a)
    client.post(
        reverse("admin:disputes_disputecase_changelist"),
        {"action": "accept_selected", "_selected_action": [case.pk, done.pk]},
    )
    case.refresh_from_db()
    assert case.status == "accepted"
    assert TimelineEntry.objects.for_object(done).filter(to_state="accepted").count() == 1


def test_changelist_filters_by_status_and_mediator(world, client, case, room_a, med_a):
    register(community=world.a, room=room_a, actor=world.staff_a)
    client.force_login(world.staff_a)
    url = reverse("admin:disputes_disputecase_changelist")
    response = client.get(url, {"mediators__id__exact": med_a.pk})
    assert [c.pk for c in response.context["cl"].result_list] == [case.pk]
    assert client.get(url, {"status__exact": "closed"}).context["cl"].result_count == 0


def test_mediator_profile_needs_the_role(world, client):
    client.force_login(world.staff_a)
    url = reverse("admin:disputes_mediator_add")
    response = client.post(
        url, {"community": world.a.pk, "user": world.party_a.pk, "is_active": "on"}
    )
    assert response.status_code == 200  # party_a is not offered: not a mediator
    assert not Mediator.objects.exists()
    response = client.post(
        url,
        {
            "community": world.a.pk,
            "user": world.mediator_a.pk,
            "specialities": "物业纠纷",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Mediator.objects.get().user == world.mediator_a
    # A mediator of B cannot be added to A.
    other = user_with_role(Role.MEDIATOR, community=world.b)
    client.force_login(world.street_admin)
    response = client.post(url, {"community": world.a.pk, "user": other.pk, "is_active": "on"})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_partner_links_to_a_resident_unit_of_its_community(world, client):
    unit_a = ResidentUnit.objects.create(community=world.a, name="矿区人民法院", kind="court")
    unit_b = ResidentUnit.objects.create(community=world.b, name="派出所", kind="police")
    client.force_login(world.street_admin)
    url = reverse("admin:disputes_partnerinstitution_add")
    bad = client.post(
        url,
        {"community": world.a.pk, "name": "派出所", "kind": "police", "resident_unit": unit_b.pk},
    )
    assert bad.status_code == 200 and not PartnerInstitution.objects.exists()
    good = client.post(
        url,
        {
            "community": world.a.pk,
            "name": "矿区人民法院",
            "kind": "court",
            "resident_unit": unit_a.pk,
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    assert PartnerInstitution.objects.get().resident_unit == unit_a


def test_partner_contact_phone_is_masked_with_a_logged_reveal(world, client):
    from hive.models import PersonalDataAccess

    partner = PartnerInstitution.objects.create(
        community=world.a, name="派出所", kind="police", contact_phone="13612345678"
    )
    client.force_login(world.staff_a)
    url = reverse("admin:disputes_partnerinstitution_change", args=[partner.pk])
    page = client.get(url).content.decode()
    assert "136****5678" in page and "13612345678" not in page
    client.post(reverse("admin:disputes_partnerinstitution_reveal", args=[partner.pk]))
    assert PersonalDataAccess.objects.get().fields == "contact_phone"
    assert "13612345678" in client.get(url).content.decode()


def test_consultation_with_actions_in_the_admin(world, client):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_consultation_add"),
        {
            "community": world.a.pk,
            "topic": "电梯加装费用分摊",
            "held_on": "2026-04-02",
            "community_participants": "李社区",
            "owner_participants": "1号楼业主代表",
            "property_participants": "物业王经理",
            "resolution": "按楼层分摊",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "1000",
            "actions-0-description": "出具分摊方案",
            "actions-0-responsible": "property",
            "actions-0-due_on": "2026-04-20",
        },
    )
    assert response.status_code == 302, response.context["errors"]
    consultation = Consultation.objects.get()
    assert consultation.actions.get().responsible == "property"


def test_consultation_action_before_the_meeting_is_refused(world, client):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:disputes_consultation_add"),
        {
            "community": world.a.pk,
            "topic": "电梯加装费用分摊",
            "held_on": "2026-04-02",
            "community_participants": "李社区",
            "owner_participants": "1号楼业主代表",
            "property_participants": "物业王经理",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-MIN_NUM_FORMS": "0",
            "actions-MAX_NUM_FORMS": "1000",
            "actions-0-description": "出具分摊方案",
            "actions-0-responsible": "property",
            "actions-0-due_on": "2026-03-20",
        },
    )
    assert response.status_code == 200
    assert not Consultation.objects.exists()
