"""Browser forms of certification. They read the request; the services decide.

The claim and indicator tables are not Django formsets: their rows are named by scenario code
(``desc-S01``) and by row number (``ind-3-name``), parsed here into the plain lists the services
take, so a service's field keys (``claims[2].description``) can be mapped back to the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from certification.models import Application, Campaign, Declaration, Indicator, Tier
from certification.workflow.policies import tier_condition
from factories.models import Factory


class CampaignChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Campaign) -> str:
        return (
            f"{obj.authority.name} · {obj.get_tier_display()} · {obj.year}/{obj.batch} "
            f"({obj.opens_on:%Y-%m-%d} – {obj.closes_on:%Y-%m-%d})"
        )


class FactoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Factory) -> str:
        return f"{obj.name} · {obj.enterprise.name}"


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assessment) -> str:
        submitted = timezone.localdate(obj.submitted_at) if obj.submitted_at else None
        return str(
            _("Submitted %(day)s · level %(level)s · valid until %(until)s")
            % {
                "day": submitted.isoformat() if submitted else "—",
                "level": obj.maturity_level if obj.maturity_level is not None else "—",
                "until": obj.valid_until.isoformat() if obj.valid_until else "—",
            }
        )


def _style(form: forms.Form) -> None:
    for bound in form:
        widget = bound.field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


class ApplicationCreateForm(forms.Form):
    factory = FactoryChoiceField(
        label=_("Factory"), queryset=Factory.objects.none(), empty_label=_("Choose a factory")
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    campaign = CampaignChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("None (basic is accepted all year)"),
        help_text=_("Advanced, excellent and leading are accepted in a campaign of their tier."),
    )

    def __init__(self, *args: Any, factories: Any, campaigns: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        factory_field = self.fields["factory"]
        campaign_field = self.fields["campaign"]
        assert isinstance(factory_field, forms.ModelChoiceField)
        assert isinstance(campaign_field, forms.ModelChoiceField)
        factory_field.queryset = factories
        campaign_field.queryset = campaigns
        _style(self)
        # With htmx, changing the factory or the tier offers only the campaigns that fit.
        for name in ("factory", "tier"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("application-campaign-options"),
                    "hx-trigger": "change",
                    "hx-include": "#id_factory, #id_tier",
                    "hx-target": "#campaign-field",
                    "hx-swap": "outerHTML",
                    # A second change aborts the first request, whose answer would land in
                    # the element the second one already replaced.
                    "hx-sync": "closest form:replace",
                }
            )
        self.fields["campaign"].widget.attrs["aria-describedby"] = "campaign-help"


class ApplicationBasicsForm(forms.Form):
    """The campaign (not for basic) and the self-assessment that supports the application."""

    campaign = CampaignChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("Not chosen yet"),
    )
    assessment = AssessmentChoiceField(
        label=_("Self-assessment"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_(
            "A submitted self-assessment of this factory from the last 12 months, not used by an "
            "earlier decided application."
        ),
    )

    def __init__(
        self, *args: Any, application: Application, campaigns: Any, assessments: Any, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        campaign_field = self.fields["campaign"]
        assessment_field = self.fields["assessment"]
        assert isinstance(campaign_field, forms.ModelChoiceField)
        assert isinstance(assessment_field, forms.ModelChoiceField)
        if not tier_condition(application).needs_campaign:
            del self.fields["campaign"]
        else:
            campaign_field.queryset = campaigns
        assessment_field.queryset = assessments
        _style(self)


class ApplicationFilterForm(forms.Form):
    """The officials' GET filters. Invalid values are ignored."""

    tier = forms.ChoiceField(
        label=_("Tier"), choices=[("", _("Any tier")), *Tier.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Any status")),
            *[(v, label) for v, label in Application.Status.choices if v != "draft"],
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for bound in self:
            bound.field.widget.attrs["class"] = "form-select form-select-sm"

    def filters(self) -> dict[str, str | None]:
        if not self.is_bound:
            return {}
        self.is_valid()
        return {
            "tier": self.cleaned_data.get("tier") or None,
            "status": self.cleaned_data.get("status") or None,
        }


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"), allow_empty_file=True)
    scenario = forms.CharField(required=False, max_length=10)
    declaration = forms.ChoiceField(required=False, choices=[("", "-"), *Declaration.choices])


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CampaignOpenForm(forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), choices=[])
    year = forms.IntegerField(label=_("Year"), min_value=2020, max_value=2100)
    batch = forms.IntegerField(label=_("Batch"), min_value=1, max_value=12, initial=1)
    opens_on = forms.DateField(
        label=_("Opens on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave both dates empty for the edition's default month."),
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Shown with the warnings of a first attempt (core of campaign_open's ``warn``).
    confirm = forms.BooleanField(label=_("Open it anyway"), required=False)

    def __init__(self, *args: Any, tiers: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tier_field = self.fields["tier"]
        assert isinstance(tier_field, forms.ChoiceField)
        tier_field.choices = tiers
        self.fields["year"].initial = timezone.localdate().year
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("opens_on")) != bool(data.get("closes_on")):
            self.add_error(
                "closes_on" if data.get("opens_on") else "opens_on",
                _("Give both dates, or neither."),
            )
        return data


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=help_text,
    )


def _change_reason_field() -> forms.CharField:
    # Required by the services, whose message is shown at the field.
    return forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the change and shown on the campaign's page."),
    )


class CampaignEditForm(forms.Form):
    """Move a window that has not opened yet (services.campaigns.campaign_edit)."""

    opens_on = _date_field(_("Opens on"))
    closes_on = _date_field(_("Closes on"))
    reason = _change_reason_field()
    # Shown with the warnings of a first attempt (campaign_edit's ``warn``).
    confirm = forms.BooleanField(label=_("Change it anyway"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CampaignCloseForm(forms.Form):
    """Close an open window early (services.campaigns.campaign_close_early)."""

    closes_on = _date_field(
        _("Last day"),
        required=False,
        help_text=_("Empty: the window closes at the end of today."),
    )
    reason = _change_reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CampaignExtendForm(forms.Form):
    """Move the closing day later, also of a closed window (services.campaigns.campaign_extend)."""

    closes_on = _date_field(_("New closing day"))
    reason = _change_reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


# --- the claims table ------------------------------------------------------------------------


@dataclass
class ClaimInput:
    """One scenario row as posted or saved."""

    code: str
    claimed: bool
    description: str
    ai_applied: bool
    errors: list[str] = field(default_factory=list)


def claims_from_post(data: QueryDict, codes: list[str]) -> list[ClaimInput]:
    """Every catalogue scenario's row, in catalogue order, from the posted form."""
    claimed = set(data.getlist("claimed"))
    ai = set(data.getlist("ai"))
    return [
        ClaimInput(
            code=code,
            claimed=code in claimed,
            description=data.get(f"desc-{code}", "").strip(),
            ai_applied=code in ai,
        )
        for code in codes
    ]


def claims_payload(rows: list[ClaimInput]) -> list[dict[str, Any]]:
    """The list application_claims_set takes: the claimed rows only, in order."""
    return [
        {"scenario": row.code, "description": row.description, "ai_applied": row.ai_applied}
        for row in rows
        if row.claimed
    ]


def claim_errors_by_code(rows: list[ClaimInput], fields: dict[str, Any]) -> dict[str, list[str]]:
    """``claims[2].description`` -> the code of the third claimed row."""
    sent = [row.code for row in rows if row.claimed]
    by_code: dict[str, list[str]] = {}
    for key, messages in fields.items():
        match = re.match(r"claims\[(\d+)\]", key)
        if not match or int(match.group(1)) >= len(sent):
            continue
        code = sent[int(match.group(1))]
        by_code.setdefault(code, []).extend(messages if isinstance(messages, list) else [messages])
    return by_code


# --- the indicators table --------------------------------------------------------------------

INDICATOR_FIELDS = (
    "name",
    "unit",
    "baseline_value",
    "baseline_year",
    "current_value",
    "current_year",
)
_INDICATOR_KEY = re.compile(r"^ind-(\d{1,3})-(" + "|".join(INDICATOR_FIELDS) + r")$")
MAX_INDICATOR_ROWS = 100


@dataclass
class IndicatorInput:
    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not any(self.values.get(name, "").strip() for name in INDICATOR_FIELDS)


def _number_text(value: Decimal) -> str:
    """120.5000 -> "120.5", 100.0000 -> "100"."""
    return format(value.normalize(), "f")


def indicator_rows_from_saved(indicators: list[Indicator]) -> list[IndicatorInput]:
    return [
        IndicatorInput(
            index=index,
            values={
                "name": item.name,
                "unit": item.unit,
                "baseline_value": _number_text(item.baseline_value),
                "baseline_year": str(item.baseline_year),
                "current_value": _number_text(item.current_value),
                "current_year": str(item.current_year),
            },
        )
        for index, item in enumerate(indicators)
    ]


def indicator_rows_from_post(data: QueryDict) -> list[IndicatorInput]:
    """The posted rows by their number; rows marked for removal are left out."""
    rows: dict[int, dict[str, str]] = {}
    for key in data:
        match = _INDICATOR_KEY.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(key, "").strip()
    removed = {value for value in data.getlist("ind-remove") if value.isdigit()}
    return [
        IndicatorInput(index=index, values=values)
        for index, values in sorted(rows.items())[:MAX_INDICATOR_ROWS]
        if str(index) not in removed
    ]


def indicators_payload(rows: list[IndicatorInput]) -> list[dict[str, Any]]:
    return [dict(row.values) for row in rows if not row.blank]


def indicator_errors_to_rows(rows: list[IndicatorInput], fields: dict[str, Any]) -> list[str]:
    """Put ``indicators[k].baseline_value`` at the cell of the k-th sent row; return the
    messages that name no cell."""
    sent = [row for row in rows if not row.blank]
    loose: list[str] = []
    for key, messages in fields.items():
        items = messages if isinstance(messages, list) else [messages]
        match = re.match(r"indicators\[(\d+)\]\.(\w+)$", key)
        if not match or int(match.group(1)) >= len(sent):
            loose.extend(items)
            continue
        row = sent[int(match.group(1))]
        row.errors.setdefault(match.group(2), []).extend(items)
    return loose


# --- reviews -----------------------------------------------------------------------------------


class AssignExpertsForm(forms.Form):
    """Experts to invite; those with a conflict of interest are shown but cannot be chosen."""

    experts = forms.TypedMultipleChoiceField(
        label=_("Experts"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["experts"].choices = choices  # type: ignore[attr-defined]


class UnassignExpertsForm(AssignExpertsForm):
    """Assigned experts who have not scored, to remove (with the reason)."""

    reason = forms.CharField(
        label=_("Reason (required)"), max_length=2000, widget=forms.Textarea({"rows": 2})
    )


class ScoreForm(forms.Form):
    """One field per criterion of the edition's rubric (0-100), and comments."""

    comment = forms.CharField(
        label=_("Comments"), required=False, max_length=5000, widget=forms.Textarea({"rows": 3})
    )

    def __init__(self, *args: Any, rubric: list[dict[str, Any]], english: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.criteria = [criterion["code"] for criterion in rubric]
        for criterion in rubric:
            name = criterion["name_en"] if english else criterion["name_zh"]
            self.fields[f"scores.{criterion['code']}"] = forms.DecimalField(
                label=f"{name} ({float(criterion['weight']):.0%})",
                min_value=0,
                max_value=100,
                decimal_places=2,
                max_digits=5,
            )
        self.order_fields([*(f"scores.{code}" for code in self.criteria), "comment"])
        _style(self)

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "scores": {code: str(data[f"scores.{code}"]) for code in self.criteria},
            "comment": data.get("comment", ""),
        }


class ConflictDeclareForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code of the enterprise"), max_length=18, min_length=18
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[])
    description = forms.CharField(
        label=_("What is the relationship or interest?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from certification.models import ExpertConflict

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ExpertConflict.Kind.choices  # type: ignore[attr-defined]
        _style(self)


# --- publicity ---------------------------------------------------------------------------------
# The publicity pages render these with django-bootstrap5, which styles each widget itself.


class ObjectionForm(forms.Form):
    """A signed objection against one entry of a publicity list. The choices are the list's
    entries, given by the view (already read: no query here)."""

    entry = forms.TypedChoiceField(label=_("Application you object to"), coerce=int, choices=[])
    name = forms.CharField(label=_("Your real name"), max_length=100)
    contact = forms.CharField(
        label=_("How to reach you"),
        max_length=200,
        help_text=_("A telephone number or an e-mail address, for the investigation."),
    )
    grounds = forms.CharField(
        label=_("Grounds"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is wrong with this application, and how you know it."),
    )
    file = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        allow_empty_file=True,  # the upload checks refuse an empty file with their own words
        help_text=_("A PDF, an image (PNG, JPEG, GIF, WebP) or an Office document."),
    )

    def __init__(self, *args: Any, entries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry_field = self.fields["entry"]
        assert isinstance(entry_field, forms.ChoiceField)
        entry_field.choices = [("", _("Choose the application")), *entries]


OBJECTION_OUTCOME_CHOICES = [
    ("dismissed", _("Dismissed: the publicity goes on")),
    ("upheld_return", _("Upheld: return the application to the enterprise")),
    ("upheld_reject", _("Upheld: reject the application")),
]
FILING_OBJECTION_OUTCOME_CHOICES = [
    ("dismissed", _("Dismissed: the filing stands")),
    ("upheld_reject", _("Upheld: reject the filing and revoke its certificate")),
]


class ObjectionDecisionForm(forms.Form):
    """The certifying authority's decision on one objection (one form per open objection on
    the page: the view gives each its own prefix)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=OBJECTION_OUTCOME_CHOICES, widget=forms.RadioSelect
    )
    investigation = forms.CharField(
        label=_("What the investigation found"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        label=_("Reason for the outcome"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded with the decision in the application's history."),
    )

    def __init__(self, *args: Any, filing: bool = False, **kwargs: Any) -> None:
        """``filing``: the objection is against a basic filing, which cannot be returned."""
        super().__init__(*args, **kwargs)
        if filing:
            outcome = self.fields["outcome"]
            assert isinstance(outcome, forms.ChoiceField)
            outcome.choices = FILING_OBJECTION_OUTCOME_CHOICES


class PublicityPublishForm(forms.Form):
    """The campaign's recommended applications to list (all checked at first), the title and
    the first day of the period."""

    applications = forms.TypedMultipleChoiceField(
        label=_("Applications to list"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one application.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("The heading of the public list. Left empty, the campaign's name."),
    )
    starts_on = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The period lasts the edition's number of working days from this day."),
    )

    def __init__(self, *args: Any, applications: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applications"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = applications


# --- the national chain (leading: site visit and cultivation) ------------------------------------


class SiteVisitForm(forms.Form):
    """The visit's day and team (experts of the national register without a conflict)."""

    scheduled_on = forms.DateField(
        label=_("Visit date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    team = forms.TypedMultipleChoiceField(
        label=_("Visiting team"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = choices  # type: ignore[attr-defined]
        self.fields["scheduled_on"].widget.attrs["class"] = "form-control"

    def payload(self) -> dict[str, Any]:
        return {
            "scheduled_on": self.cleaned_data["scheduled_on"],
            "team": self.cleaned_data["team"],
        }


_MILESTONE_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s+(.+?)\s*$")


class VisitReportForm(forms.Form):
    """The visit's report and findings, and the cultivation plan: its length and milestones."""

    report = forms.CharField(
        label=_("Report"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    findings = forms.CharField(
        label=_("Findings (one per line)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    cultivation_months = forms.IntegerField(
        label=_("Cultivation period (months)"), min_value=1, max_value=60, initial=12
    )
    milestones = forms.CharField(
        label=_("Milestones (one per line: YYYY-MM-DD title)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_milestones(self) -> list[dict[str, str]]:
        rows = []
        for line in self.cleaned_data["milestones"].splitlines():
            if not line.strip():
                continue
            match = _MILESTONE_LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("Write each milestone as its due date and title: %(line)s"),
                    params={"line": line.strip()},
                )
            rows.append({"due_on": match.group(1), "title": match.group(2)})
        if not rows:
            raise forms.ValidationError(_("Set at least one milestone."))
        return rows

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "report": data["report"],
            "findings": [line for line in data["findings"].splitlines() if line.strip()],
            "cultivation_months": data["cultivation_months"],
            "milestones": data["milestones"],
        }


class MilestoneReportForm(forms.Form):
    milestone = forms.TypedChoiceField(label=_("Milestone"), coerce=int)
    report = forms.CharField(
        label=_("Progress"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["milestone"].choices = choices  # type: ignore[attr-defined]
        _style(self)

    def payload(self) -> dict[str, Any]:
        return {"milestone": self.cleaned_data["milestone"], "report": self.cleaned_data["report"]}


class DecisionForm(forms.Form):
    """MIIT's decision: the comment, and which maturity scores it rests on."""

    score_basis = forms.ChoiceField(
        label=_("The decision rests on"),
        choices=[("self", _("the self-assessed scores")), ("verified", _("the verified scores"))],
        initial="self",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def payload(self) -> dict[str, Any]:
        return {"score_basis": self.cleaned_data["score_basis"]}


class VerifiedLevelsForm(forms.Form):
    """A verified score (0-5) per sub-domain, beside the enterprise's own (blank: unchanged)."""

    def __init__(
        self, *args: Any, subdomains: list[tuple[str, str, str, Decimal | None]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.codes = [code for code, _name, _own, _verified in subdomains]
        for code, name, own, verified in subdomains:
            self.fields[f"levels.{code}"] = forms.DecimalField(
                label=_("%(name)s (self-assessed %(own)s)") % {"name": name, "own": own},
                required=False,
                min_value=0,
                max_value=5,
                decimal_places=2,
                max_digits=3,
                initial=verified,
            )
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(data.get(f"levels.{code}") is None for code in self.codes):
            raise forms.ValidationError(_("Give a verified score for at least one sub-domain."))
        return data

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "levels": {
                code: str(data[f"levels.{code}"])
                for code in self.codes
                if data.get(f"levels.{code}") is not None
            }
        }
