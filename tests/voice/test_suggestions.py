"""The suggestion box: the public form (validation, honeypot, rate limits, duplicates),
the tracking page, staff answers, and the public list of answers — through the HTTP layer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from hive.models import ConsentRecord, TimelineEntry
from hive.workflow import TransitionNotAllowed
from tests.voice.factories import SuggestionFactory, suggestion_form_data
from voice import services
from voice.models import Suggestion

pytestmark = pytest.mark.django_db


def url(world):
    return reverse("voice:suggestion_new", args=[world.a.code])


def post(client, world, data, addr="10.1.2.3"):
    return client.post(url(world), data, REMOTE_ADDR=addr)


def test_form_is_a_plain_html_form_with_the_privacy_notice(client, world):
    response = client.get(url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in html and 'id="privacy-notice"' in html
    assert world.a.name in html
    assert client.get(reverse("voice:suggestion_new", args=["nowhere"])).status_code == 404


def test_good_submission_goes_to_the_tracking_page_with_the_consent_stored(client, world):
    response = post(client, world, suggestion_form_data())
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "voice:suggestion_track", args=[suggestion.tracking_code]
    )
    assert suggestion.community == world.a
    assert suggestion.resident_phone == "13812345678"
    assert suggestion.status == Suggestion.Status.SUBMITTED and suggestion.consent_at
    consent = ConsentRecord.objects.get()
    assert consent.notice == services.SUGGESTION_NOTICE and consent.object_id == suggestion.pk
    assert TimelineEntry.objects.for_object(suggestion).count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert suggestion.tracking_code in page.content.decode()


def test_an_anonymous_suggestion_needs_no_consent(client, world):
    data = suggestion_form_data(resident_name="", resident_phone="", consent=None)
    assert post(client, world, data).status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.resident_phone == "" and suggestion.consent_at is None
    assert not ConsentRecord.objects.exists()


def test_a_contact_without_consent_is_refused(client, world):
    response = post(client, world, suggestion_form_data(consent=None))
    assert response.status_code == 200
    assert "consent" in response.context["form"].errors
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    "text", ["请打电话给我13812345678", "我的电话 138-1234-5678 谢谢", "身份证110101199003074514"]
)
def test_a_phone_or_id_number_in_the_text_is_refused_and_nothing_stored(client, world, text):
    response = post(client, world, suggestion_form_data(text=text))
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["text"]] == [
        "contact_in_text"
    ]
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("topic", None), ("topic", "money"), ("text", None), ("text", "短"), ("text", "长" * 1001)],
)
def test_fields_are_validated(client, world, field, value):
    response = post(client, world, suggestion_form_data(**{field: value}))
    assert field in response.context["form"].errors
    assert not Suggestion.objects.exists()


def test_honeypot_filled_is_refused_and_nothing_is_stored(client, world):
    response = post(client, world, suggestion_form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "data-form-errors" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_rate_limit_per_address_refuses_with_a_clear_page(client, world, settings):
    settings.HIVE_VOICE_RATE_PER_ADDRESS = "2/h"
    for n in range(2):
        data = suggestion_form_data(text=f"第{n}条建议：增加路灯")
        assert post(client, world, data).status_code == 302
    refused = post(client, world, suggestion_form_data(text="第三条建议：增加座椅"))
    assert refused.status_code == 429
    assert "data-rate-limited" in refused.content.decode()
    assert Suggestion.objects.count() == 2
    other = suggestion_form_data(text="别人的建议：多种树")
    assert post(client, world, other, addr="10.9.9.9").status_code == 302


def test_rate_limit_per_phone_across_addresses(client, world, settings):
    settings.HIVE_VOICE_RATE_PER_PHONE = "1/h"
    assert post(client, world, suggestion_form_data(), addr="10.0.0.1").status_code == 302
    again = suggestion_form_data(text="换个地址再提一条建议")
    assert post(client, world, again, addr="10.0.0.2").status_code == 429
    assert Suggestion.objects.count() == 1


def test_the_same_suggestion_twice_is_stored_once(client, world):
    first = post(client, world, suggestion_form_data())
    second = post(client, world, suggestion_form_data(), addr="10.5.5.5")
    assert Suggestion.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_unknown_tracking_code_is_one_404(client, world):
    assert client.get(reverse("voice:suggestion_track", args=["NOPE2345"])).status_code == 404
    assert client.get(reverse("voice:track_lookup"), {"code": "xx"}).status_code == 404
    suggestion = SuggestionFactory(community=world.a)
    code = suggestion.tracking_code.lower()
    found = client.get(reverse("voice:track_lookup"), {"code": f"{code[:4]}-{code[4:]}"})
    assert found["Location"] == suggestion.get_absolute_url()


# --- Staff answers ------------------------------------------------------------------------


def test_staff_answer_publicly_or_privately(world):
    public = SuggestionFactory(community=world.a)
    private = SuggestionFactory(community=world.a)
    services.suggestion_answer(suggestion=public, actor=world.staff_a, text="已安排", public=True)
    services.suggestion_answer(
        suggestion=private, actor=world.street_admin, text="已电话回复", public=False
    )
    public.refresh_from_db()
    private.refresh_from_db()
    assert (public.status, public.answer_public, public.answered_by) == (
        "answered",
        True,
        world.staff_a,
    )
    assert (private.status, private.answer_public) == ("answered", False)
    assert TimelineEntry.objects.for_object(public).count() == 1


def test_an_empty_answer_and_a_second_answer_are_refused(world):
    suggestion = SuggestionFactory(community=world.a)
    with pytest.raises(ValidationError) as refused:
        services.suggestion_answer(
            suggestion=suggestion, actor=world.staff_a, text=" ", public=True
        )
    assert "text" in refused.value.message_dict
    services.suggestion_answer(suggestion=suggestion, actor=world.staff_a, text="好", public=True)
    with pytest.raises(TransitionNotAllowed):
        services.suggestion_answer(
            suggestion=suggestion, actor=world.staff_a, text="再", public=True
        )


def test_staff_of_another_community_cannot_answer(world, client):
    suggestion = SuggestionFactory(community=world.a)
    for outsider in (world.staff_b, world.staff_c, world.unit_rep_a):
        with pytest.raises(PermissionDenied):
            services.suggestion_answer(
                suggestion=suggestion, actor=outsider, text="越权", public=True
            )
    # In the admin, B's staff neither see it nor reach it through an action.
    client.force_login(world.staff_b)
    change = client.get(reverse("admin:voice_suggestion_change", args=[suggestion.pk]))
    assert change.status_code in (302, 404)
    client.post(
        reverse("admin:voice_suggestion_changelist"),
        {
            "action": "answer_selected",
            "_selected_action": [suggestion.pk],
            "apply": "1",
            "text": "越权回复",
            "public": "on",
        },
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUBMITTED


def test_staff_answer_through_the_admin_action(world, client):
    suggestion = SuggestionFactory(community=world.a)
    client.force_login(world.staff_a)
    changelist = reverse("admin:voice_suggestion_changelist")
    asked = client.post(
        changelist, {"action": "answer_selected", "_selected_action": [suggestion.pk]}
    )
    assert asked.status_code == 200 and 'name="text"' in asked.content.decode()
    done = client.post(
        changelist,
        {
            "action": "answer_selected",
            "_selected_action": [suggestion.pk],
            "apply": "1",
            "text": "已联系物业，下周整改。",
            "public": "on",
        },
    )
    assert done.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.answer_public and suggestion.answer == "已联系物业，下周整改。"
    # The change page masks the contact.
    page = client.get(reverse("admin:voice_suggestion_change", args=[suggestion.pk]))
    assert page.status_code == 200
    assert suggestion.resident_phone not in page.content.decode()


# --- The public list ----------------------------------------------------------------------


def list_url(world):
    return reverse("voice:suggestion_list", args=[world.a.code])


def test_public_list_shows_only_public_answers_without_personal_data(client, world):
    shown = SuggestionFactory(
        community=world.a, text="路灯坏了，我电话13812345678", resident_name="赵凤英"
    )
    private = SuggestionFactory(community=world.a, text="私下回复的建议")
    waiting = SuggestionFactory(community=world.a, text="还没回复的建议")
    elsewhere = SuggestionFactory(community=world.b, text="别的社区的建议")
    services.suggestion_answer(suggestion=shown, actor=world.staff_a, text="已修好", public=True)
    services.suggestion_answer(suggestion=private, actor=world.staff_a, text="已回电", public=False)
    services.suggestion_answer(suggestion=elsewhere, actor=world.staff_b, text="好", public=True)

    response = client.get(list_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert [s.pk for s in response.context["page"].object_list] == [shown.pk]
    assert "已修好" in html and "路灯坏了" in html
    assert "13812345678" not in html and "赵凤英" not in html
    assert shown.resident_phone not in html
    for hidden in (private, waiting, elsewhere):
        assert hidden.text not in html


def test_public_list_is_cached_and_refreshed_when_an_answer_is_published(client, world, settings):
    settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS = 300
    first = SuggestionFactory(community=world.a, text="第一条建议")
    services.suggestion_answer(suggestion=first, actor=world.staff_a, text="回复一", public=True)
    assert "第一条建议" in client.get(list_url(world)).content.decode()
    with CaptureQueriesContext(connection) as cached:
        client.get(list_url(world))
    assert len(cached) == 0
    second = SuggestionFactory(community=world.a, text="第二条建议")
    services.suggestion_answer(suggestion=second, actor=world.staff_a, text="回复二", public=True)
    assert "第二条建议" in client.get(list_url(world)).content.decode()


def test_public_list_queries_do_not_grow_with_the_rows(client, world, settings):
    settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS = 0

    def add(n):
        for _ in range(n):
            row = SuggestionFactory(community=world.a)
            services.suggestion_answer(suggestion=row, actor=world.staff_a, text="答", public=True)

    add(2)
    client.get(list_url(world))  # the community is read once, then comes from the cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(list_url(world)).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(list_url(world))
    assert len(response.context["page"].object_list) == 12
    assert len(many) == len(few) <= 4


def test_gettext_of_the_new_words_is_used(world, client):
    # The page's heading comes from the catalogue (the lead fills the translation).
    response = client.get(reverse("voice:suggestion_new", args=[world.a.code]))
    assert gettext("Send my suggestion") in response.content.decode()
