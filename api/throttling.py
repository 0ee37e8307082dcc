"""Rate limits read from settings at request time (so the environment and tests set them).

Counters live in Django's cache: per process by default, shared by every process once
``REDIS_URL`` is set.
"""

from django.conf import settings
from rest_framework import throttling


class SettingsRateMixin:
    scope: str | None

    def get_rate(self) -> str | None:
        return settings.ARGMAP_THROTTLE_RATES.get(self.scope) if self.scope else None


class AnonRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    pass
