"""Serializers and helpers shared by the certification endpoints."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from rest_framework import serializers


def api_language() -> str:
    return get_language() or "zh-hans"


class CheckOutput(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


def check_rows(results: list[Any]) -> list[dict[str, Any]]:
    language = api_language()
    return [
        {
            "rule": r.rule,
            "passed": r.passed,
            "message": r.message_en if language.startswith("en") else r.message_zh,
        }
        for r in results
    ]


class ActionOptionOutput(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    allowed = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why not, when not allowed.")
    needs_reason = serializers.BooleanField()
    form = serializers.CharField(help_text="reason, assign, score or empty.")
    tone = serializers.CharField()
