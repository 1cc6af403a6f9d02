"""Create an API token for a user (for a client system's dedicated user) and print its secret."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import api_token_create
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print its secret (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. the client system.")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            token, secret = api_token_create(user=user, name=name)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stderr.write(
            f"Token {token.name!r} for {username}, expires {token.expires_at:%Y-%m-%d}."
        )
        self.stdout.write(secret)
