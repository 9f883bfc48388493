"""Switch on what the rest of the suite runs without: two-factor enforcement and rate limits."""

from __future__ import annotations

import pytest

from emerald.security import ratelimit


@pytest.fixture
def two_factor(settings):
    settings.EMERALD_2FA_REQUIRED = True
    return settings


@pytest.fixture
def rate_limits(settings):
    settings.EMERALD_RATE_LIMITS_ENABLED = True
    ratelimit.reset()
    yield settings
    ratelimit.reset()
