"""bordercase's own settings, with the bench's URLconf: the app itself never learns the bench exists."""

from bordercase.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
