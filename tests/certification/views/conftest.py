"""Fixtures for the certification page tests."""

from __future__ import annotations

import pytest

from tests.certification.helpers import browser_for


@pytest.fixture
def browser(enterprise_user):
    return browser_for(enterprise_user)
