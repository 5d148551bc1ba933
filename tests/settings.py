"""bordercase's settings for the test suite: the cache in each process, so the suite's workers never share one."""

from bordercase.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
