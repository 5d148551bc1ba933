"""bordercase's own settings plus one bench-only URL: the bare view that is the framework's ceiling."""

from bordercase.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
