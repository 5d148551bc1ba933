"""The API's rate limit: calls per token (per address on the public routes), counted as ``lib.throttle`` counts
them for the public pages too."""

from bordercase.lib.throttle import CallRateThrottle

__all__ = ["CallRateThrottle"]
