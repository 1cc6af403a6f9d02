"""The portal's user: a role, and for officials the authority whose jurisdiction is their scope."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    CITY_OFFICIAL = "city_official", _("City official")
    PROVINCIAL_OFFICIAL = "provincial_official", _("Provincial official")
    JOINT_REVIEWER = "joint_reviewer", _("Joint-department reviewer")
    EXPERT = "expert", _("Expert")
    MIIT_REVIEWER = "miit_reviewer", _("MIIT reviewer")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


class NotificationKind(models.TextChoices):
    """What a notification is about: each user chooses which kinds also reach them by email
    (all do unless they turn some off); the inbox always has every one."""

    APPLICATION = "application", _("Application steps")
    DEADLINE = "deadline", _("Deadlines and reminders")
    CERTIFICATE = "certificate", _("Certificate changes")
    ACCOUNT = "account", _("Registrations and join requests")
    WEBHOOK = "webhook", _("Webhooks")


class ScopeLevel(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")
    NATIONAL = "national", _("National")
    ASSIGNMENTS = "assignments", _("Own assignments")


# Which authority level each official role acts at. Joint-department reviewers may sit at either
# the provincial or the national level; their authority decides.
ROLE_AUTHORITY_LEVELS: dict[str, tuple[str, ...]] = {
    Role.CITY_OFFICIAL: ("city",),
    Role.PROVINCIAL_OFFICIAL: ("province",),
    Role.JOINT_REVIEWER: ("province", "national"),
    Role.MIIT_REVIEWER: ("national",),
}


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=30, choices=Role.choices, default=Role.ENTERPRISE_USER
    )
    authority = models.ForeignKey(
        "regions.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("authority"),
        help_text=_("For officials and reviewers: the authority they act for."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("The language of the user's emails (the one they signed up in)."),
    )
    email_muted = models.JSONField(
        _("kinds of notification not emailed"),
        default=list,
        blank=True,
        help_text=_("Notification kinds the user reads in the inbox only."),
    )
    awaiting_verification = models.BooleanField(
        _("awaiting email verification"),
        default=False,
        help_text=_(
            "Signed up and not yet verified: following the emailed link activates the account."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role"], name="user_role_idx")]

    @property
    def scope_level(self) -> str:
        """Where this user's view of the portal ends (see accounts.scope)."""
        if self.is_superuser or self.role == Role.PLATFORM_ADMIN:
            return ScopeLevel.NATIONAL
        if self.role == Role.ENTERPRISE_USER:
            return ScopeLevel.ENTERPRISE
        if self.role == Role.EXPERT:
            return ScopeLevel.ASSIGNMENTS
        if self.authority is None:
            return ScopeLevel.ASSIGNMENTS  # an official without an authority sees nothing
        return {
            "city": ScopeLevel.CITY,
            "province": ScopeLevel.PROVINCE,
            "national": ScopeLevel.NATIONAL,
        }[self.authority.level]


class Notification(models.Model):
    """A message in a user's portal inbox (also emailed when the user has an address).

    ``key`` makes sending idempotent: one notification per recipient and key.
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    key = models.CharField(_("key"), max_length=100)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=NotificationKind.choices,
        default=NotificationKind.APPLICATION,
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(
        _("link"), max_length=300, blank=True, help_text=_("The page of what it is about.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")
        ]

    def __str__(self) -> str:
        return self.subject


class ApiToken(models.Model):
    """A user's API token. Only the SHA-256 of its secret is stored (``key_hash``); the secret is
    shown once, when the token is created (accounts.services.api_token_create). A token works
    until it expires or is revoked; every token of a user is revoked when their password changes
    or their account is deactivated."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(
        _("prefix"),
        max_length=8,
        editable=False,
        help_text=_("The first characters of the secret, to tell tokens apart."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class JoinRequest(models.Model):
    """An enterprise user asks to become a member of an enterprise; one of its administrators
    approves (the membership is made) or rejects it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("user")
    )
    enterprise = models.ForeignKey(
        "factories.Enterprise",
        on_delete=models.CASCADE,
        related_name="join_requests",
        verbose_name=_("enterprise"),
    )
    message = models.TextField(_("message"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"],
                condition=models.Q(status="pending"),
                name="join_request_one_pending",
            )
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="join_request_enterprise_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise_id} ({self.status})"
