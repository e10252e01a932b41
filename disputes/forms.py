"""Portal forms of the mediators. They check shapes; the services check the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Agreement, DisputeCase, FollowUp, MediationRoom, Mediator
from hive.ui.forms import BootstrapFormMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


CheckboxMultiple = forms.CheckboxSelectMultiple


class SessionForm(BootstrapFormMixin, forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    room = forms.ModelChoiceField(label=_("Mediation room"), queryset=MediationRoom.objects.none())
    mediators_present = forms.ModelMultipleChoiceField(
        label=_("Mediators present"), queryset=Mediator.objects.none(), widget=CheckboxMultiple
    )
    parties_present = forms.ModelMultipleChoiceField(
        label=_("Parties present"),
        queryset=DisputeCase.objects.none(),
        required=False,
        widget=CheckboxMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, case: DisputeCase, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type form.fields as plain Fields; these are choice fields.
        self.fields["room"].queryset = MediationRoom.objects.filter(  # type: ignore[attr-defined]
            community_id=case.community_id, is_active=True
        )
        self.fields["room"].initial = case.room_id
        self.fields["mediators_present"].queryset = Mediator.objects.filter(  # type: ignore[attr-defined]
            community_id=case.community_id, is_active=True
        ).select_related("user")
        self.fields["mediators_present"].initial = list(case.mediators.values_list("pk", flat=True))
        self.fields["parties_present"].queryset = case.parties.all()  # type: ignore[attr-defined]
        self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class AgreementForm(BootstrapFormMixin, forms.Form):
    terms = forms.CharField(
        label=_("Terms"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    judicial_confirmation = forms.ChoiceField(
        label=_("Judicial confirmation"),
        choices=Agreement.JudicialConfirmation.choices,
        initial=Agreement.JudicialConfirmation.NOT_REQUESTED,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_on"].initial = timezone.localdate()


class FollowUpForm(BootstrapFormMixin, forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DateInput())
    honoured = forms.ChoiceField(
        label=_("Is the agreement being honoured?"),
        choices=FollowUp.Honoured.choices,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()


class FollowUpScheduleForm(BootstrapFormMixin, forms.Form):
    due_on = forms.DateField(label=_("Next visit due on"), widget=DateInput())


# The moves a mediator makes from the case page; agreement and follow-up have pages.
# The steps the portal's move form offers (the agreement and the visit have their pages).
PORTAL_MOVES = ("accept", "start_mediation", "fail", "refer", "close", "withdraw")


class MoveForm(BootstrapFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("Choose the step"))
    note = forms.CharField(
        label=_("Note or reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when mediation failed or the case is withdrawn."),
    )
    referred_to = forms.ChoiceField(
        label=_("Referred to"),
        required=False,
        choices=[("", "---------"), *DisputeCase.ReferredTo.choices],
    )

    def __init__(self, *args, case: DisputeCase, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type form.fields as plain Fields; this is a choice field.
        steps = [
            (step.target, step.label)
            for step in DisputeCase.workflow.available(case, user)
            if step.name in PORTAL_MOVES
        ]
        # A blank first choice: the browser would otherwise pre-select the first step
        # (perhaps "failed"), and a hurried tap on Save would record it.
        self.fields["to"].choices = [("", "---------"), *steps] if steps else []  # type: ignore[attr-defined]
        if not any(v == DisputeCase.Status.REFERRED for v, _label in self.fields["to"].choices):  # type: ignore[attr-defined]
            del self.fields["referred_to"]
