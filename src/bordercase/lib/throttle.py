"""Calls per caller, counted in fixed windows in Django's cache: the API's rate limit (``api.api``), and the public
pages' that read the transparency log for anyone (``web.throttle``), which count against the same limit.

ninja's ``SimpleRateThrottle`` keeps every call's time in a list it reads and writes whole on each call: a token
allowed 600 calls a minute writes a list of up to 600 floats every call, and two servers reading the same list at
once each write back their own, losing the other's call. Here each window is one counter the cache adds to, so a
call costs the same however many came before, and calls on several servers are all counted: exactly with Redis,
whose ``INCR`` is one step; nearly with the file cache, where two processes can each write the same count at once.
A fixed window lets a caller make up to twice the rate across a window's edge; the limit is there to stop a
runaway client, not to meter one exactly.
"""

from __future__ import annotations

import time

from django.http import HttpRequest
from ninja.throttling import AuthRateThrottle


class CallRateThrottle(AuthRateThrottle):
    """``AuthRateThrottle``'s key (the caller, or their address) and rate, counted per window."""

    now = window_ends = 0.0

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate is None or self.num_requests is None or self.duration is None:
            return True
        self.now = time.time()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{self.get_cache_key(request)}:{window}"
        # Kept a little past its window, so a server whose clock is behind still counts into it.
        keep = self.window_ends - self.now + 5
        try:
            calls = self.cache.incr(key)
        except ValueError:  # the window's first call
            calls = 1 if self.cache.add(key, 1, keep) else self.cache.incr(key)
        else:
            # Counting again sets no time to keep the count in every cache (the file cache's is 5 minutes, which
            # would let an hourly count lapse mid-hour), and a count made as it lapsed would be kept for ever.
            self.cache.touch(key, keep)
        return calls <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_ends - self.now)
