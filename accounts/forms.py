"""Forms of the account area. (Sign-in is Django's own form; django-axes limits failures.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, UserCreationForm, UsernameField
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import NotificationKind, User
from accounts.ratelimit import rate_allow
from accounts.services import user_language
from regions.models import Authority


class EmailPreferencesForm(forms.Form):
    emailed = forms.MultipleChoiceField(
        label=_("Also send me by email"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every notification is in your inbox; these kinds are emailed as well."),
    )


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the system that will use it."),
    )


class SignUpForm(UserCreationForm):
    """Self sign-up of an enterprise user: Django's user creation form (its password validators,
    the two passwords, a username unique regardless of case) with the portal's fields. There is
    no role field: sign-up only ever makes enterprise users (accounts.services.user_sign_up)."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send a link to this address to activate your account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)

    field_order = ["username", "name", "email", "phone", "password1", "password2"]

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "phone")
        field_classes = {"username": UsernameField}

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        # On the instance that the password validators compare the password with.
        self.instance.first_name = name
        return name


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's password reset form: the email goes out in the user's language (or the page's,
    for an account made without one), with the portal's templates, and no more often than
    ACCOUNT_EMAIL_RATE per address (beyond it, silently nothing: the page answers the same
    whether an email was sent or not)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if rate_allow(
            scope="account-email",
            ident=self.cleaned_data["email"],
            rate=settings.ACCOUNT_EMAIL_RATE,
        ):
            super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = user_language(context["user"], default=translation.get_language())
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )


class JoinRequestForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=30,
        help_text=_("The credit code of the enterprise you work for (18 characters)."),
    )
    message = forms.CharField(
        label=_("Message to its administrators (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example your department and position."),
    )


class JoinRequestRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CityOfficialForm(forms.Form):
    authority = forms.ModelChoiceField(
        label=_("City bureau"), queryset=Authority.objects.none(), empty_label=None
    )
    username = UsernameField(label=_("Username"), max_length=150)
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("The official receives a link here to set their password."),
    )
    phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorities
        field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        User.username_validator(username)
        return username
