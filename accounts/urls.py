from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views
from accounts.forms import PortalPasswordResetForm

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-mark-read"),
    path("inbox/preferences/", views.inbox_preferences, name="inbox-preferences"),
    path("tokens/", views.api_tokens, name="api-tokens"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    # Sign-in failures are limited by django-axes (settings AXES_*), here as at /admin/login/.
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Self sign-up of enterprise users, verified by an emailed link (accounts.services).
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup-done"),
    path("signup/resend/", views.signup_resend, name="signup-resend"),
    path("signup/welcome/", views.signup_welcome, name="signup-welcome"),
    path("verify/<str:token>/", views.signup_verify, name="signup-verify"),
    # Django's password reset: the same page whether the address has an account or not; the
    # link works once, for PASSWORD_RESET_TIMEOUT seconds; the new password revokes API tokens.
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PortalPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
        ),
        name="password_reset",
    ),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password_reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password_reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    # Asking to join an enterprise; its administrators decide.
    path("join/", views.join_requests, name="join-requests"),
    path("join/new/", views.join_request_create, name="join-request-create"),
    path("join/<int:pk>/", views.join_request_detail, name="join-request-detail"),
    path("join/<int:pk>/approve/", views.join_request_approve, name="join-request-approve"),
    path("join/<int:pk>/reject/", views.join_request_reject, name="join-request-reject"),
    # Provincial officials make their cities' officials' accounts.
    path("officials/", views.official_list, name="official-list"),
    path("officials/new/", views.official_create, name="official-create"),
]
