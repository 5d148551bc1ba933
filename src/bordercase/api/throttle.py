"""The API's calls per caller, counted in fixed windows in Django's cache.

ninja's ``SimpleRateThrottle`` keeps every call's time in a list it reads and writes whole on each call: a token
allowed 600 calls a minute writes a list of up to 600 floats every call, and two servers reading the same list at
once each write back their own, losing the other's call. Here each window is one counter the cache adds to
(Redis's ``INCR`` when the cache is Redis), so a call costs the same however many came before, and calls on
several servers are all counted. A fixed window lets a caller make up to twice the rate across a window's edge;
the limit is there to stop a runaway client, not to meter one exactly.
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from ninja.throttling import AuthRateThrottle


class CallRateThrottle(AuthRateThrottle):
    """``AuthRateThrottle``'s key (the caller, or their address) and rate, counted per window."""

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate is None or self.num_requests is None or self.duration is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.get_cache_key(request)}:{window}"
        try:
            calls = self.cache.incr(key)
        except ValueError:  # the window's first call
            # Kept a little past its window, so a server whose clock is behind still counts into it.
            calls = 1 if self.cache.add(key, 1, self.duration + 5) else self.cache.incr(key)
        self.now = now
        return calls <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_ends - self.now)
