"""Configuration from the environment: safe defaults, and a production mode that refuses to start unsafe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bordercase.lib.sealed import new_key
from bordercase.lib.signed_note import Signer

STRONG_KEY = "k3J9-xQ2vL8mN4pR7sT1uW5yZ0aB6cD-eF2gH9iJ3kL7mN1oP5qR8sT4uV0wX6yZ"
CHECK = [sys.executable, "-c", "from bordercase.cli import main; main()", "check"]
# What every command does first, and where each refusal below is raised: a twentieth of the time `check` takes.
SETTINGS = [sys.executable, "-c", "import bordercase.settings"]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "BORDERCASE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(args, env=environment, capture_output=True, text=True, timeout=120, check=False)


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run(CHECK, tmp_path, BORDERCASE_MODE="production", ALLOWED_HOSTS="bordercase.example")
    assert result.returncode != 0
    assert "Production mode needs SECRET_KEY" in result.stderr


def test_production_mode_refuses_a_short_secret_key(tmp_path: Path) -> None:
    result = run(SETTINGS, tmp_path, BORDERCASE_MODE="production", SECRET_KEY="changeme", ALLOWED_HOSTS="x.example")
    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_production_mode_refuses_debug(tmp_path: Path) -> None:
    result = run(SETTINGS, tmp_path, BORDERCASE_MODE="production", SECRET_KEY=STRONG_KEY, DEBUG="true",
                 ALLOWED_HOSTS="x.example")
    assert result.returncode != 0
    assert "DEBUG must be off in production mode" in result.stderr


def log_key(tmp_path: Path, origin: str = "bordercase.example/bordercase-log") -> str:
    path = tmp_path / "log.key"
    path.write_text(Signer.generate(origin).text() + "\n")
    return str(path)


def test_production_mode_passes_the_deployment_check_with_no_warnings(tmp_path: Path) -> None:
    result = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path, BORDERCASE_MODE="production",
                 SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="bordercase.example",
                 BORDERCASE_BASE_URL="https://bordercase.example", BORDERCASE_LOG_KEY_FILE=log_key(tmp_path),
                 BORDERCASE_DATA_KEYS=new_key(), BORDERCASE_INDEX_KEY=new_key())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deployment_check_asks_for_a_key_to_sign_the_transparency_log(tmp_path: Path) -> None:
    production = {"BORDERCASE_MODE": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "bordercase.example",
                  "BORDERCASE_BASE_URL": "https://bordercase.example"}
    keyless = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path, **production)
    assert keyless.returncode != 0 and "bordercase.W003" in keyless.stderr
    assert "Set BORDERCASE_LOG_KEY_FILE" in keyless.stderr and "bordercase transparency key" in keyless.stderr
    another = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path, **production,
                  BORDERCASE_LOG_KEY_FILE=log_key(tmp_path, "elsewhere.example/log"))
    assert another.returncode != 0 and "bordercase.W003" in another.stderr
    assert "'elsewhere.example/log'" in another.stderr


def test_the_deployment_check_asks_for_the_site_s_https_address_for_emailed_links(tmp_path: Path) -> None:
    production = {"BORDERCASE_MODE": "production", "SECRET_KEY": STRONG_KEY, "ALLOWED_HOSTS": "bordercase.example"}
    unnamed = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path, **production)
    assert unnamed.returncode != 0 and "bordercase.W001" in unnamed.stderr
    assert "Set BORDERCASE_BASE_URL" in unnamed.stderr
    plain = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path, **production,
                BORDERCASE_BASE_URL="http://bordercase.example")
    assert plain.returncode != 0 and "bordercase.W002" in plain.stderr


def test_development_mode_fails_the_deployment_check(tmp_path: Path) -> None:
    # The same check catches a development configuration put on the internet by mistake.
    result = run([*CHECK, "--deploy", "--fail-level", "WARNING"], tmp_path)
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


def test_a_bad_boolean_names_the_variable(tmp_path: Path) -> None:
    result = run(SETTINGS, tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'maybe'" in result.stderr


def test_development_keeps_a_random_secret_key_of_its_own_outside_the_repository(tmp_path: Path) -> None:
    assert run(SETTINGS, tmp_path).returncode == 0
    key_file = tmp_path / "var" / "secret-key"
    first = key_file.read_text()
    assert len(first) >= 50 and oct(key_file.stat().st_mode)[-3:] == "600"
    assert run(SETTINGS, tmp_path).returncode == 0
    assert key_file.read_text() == first
    other = tmp_path / "other"
    run(SETTINGS, other)
    assert (other / "var" / "secret-key").read_text() != first


def test_time_is_stored_in_utc_and_shown_in_new_zealand_time(settings: object) -> None:
    assert settings.TIME_ZONE == "Pacific/Auckland"  # type: ignore[attr-defined]
    assert settings.USE_TZ is True  # type: ignore[attr-defined]


def test_an_unknown_evidence_store_is_refused_by_name(tmp_path: Path) -> None:
    result = run(SETTINGS, tmp_path, BORDERCASE_STORAGE="dropbox")
    assert result.returncode != 0 and "BORDERCASE_STORAGE must be local or s3, not 'dropbox'" in result.stderr


def test_an_s3_evidence_store_needs_boto3_and_its_bucket(tmp_path: Path) -> None:
    result = run(SETTINGS, tmp_path, BORDERCASE_STORAGE="s3")
    assert result.returncode != 0
    # Without the s3 extra the install is what is missing; with it, the bucket is.
    assert ('pip install "bordercase[s3]"' in result.stderr) or ("needs BORDERCASE_S3_BUCKET" in result.stderr)


def test_email_and_background_work_are_chosen_by_name(tmp_path: Path) -> None:
    for variable, value, message in (
            ("BORDERCASE_EMAIL", "pigeon", "BORDERCASE_EMAIL must be console or smtp"),
            ("BORDERCASE_TASKS", "celery", "BORDERCASE_TASKS must be immediate, database or redis")):
        result = run(SETTINGS, tmp_path, **{variable: value})
        assert result.returncode != 0 and message in result.stderr


def test_the_task_queue_on_redis_is_django_tasks_rq_at_redis_url(tmp_path: Path) -> None:
    shown = [sys.executable, "-c", "from bordercase import settings; print(settings.TASKS['default']['BACKEND'], "
             "settings.RQ_QUEUES['default']['URL'], 'django_rq' in settings.INSTALLED_APPS)"]
    redis = run(shown, tmp_path, BORDERCASE_TASKS="redis", REDIS_URL="redis://10.0.0.5:6379/3")
    assert redis.returncode == 0, redis.stderr
    assert redis.stdout.split() == ["django_tasks_rq.RQBackend", "redis://10.0.0.5:6379/3", "True"]


def test_the_cache_every_server_process_shares_is_chosen_by_name(tmp_path: Path) -> None:
    shown = [sys.executable, "-c", "from bordercase import settings; print(settings.CACHES['default']['BACKEND'], "
             "settings.CACHES['default'].get('LOCATION', ''))"]
    default = run(shown, tmp_path)
    assert default.returncode == 0, default.stderr
    # By default in files under the var directory, so every worker `bordercase serve` starts sees one cache.
    assert default.stdout.split() == ["django.core.cache.backends.filebased.FileBasedCache",
                                      str((tmp_path / "var" / "cache").resolve())]
    redis = run(shown, tmp_path, BORDERCASE_CACHE="redis", REDIS_URL="redis://10.0.0.5:6379/2")
    assert redis.returncode == 0 and redis.stdout.split()[1] == "redis://10.0.0.5:6379/2"
    refused = run(SETTINGS, tmp_path, BORDERCASE_CACHE="memcached")
    assert refused.returncode != 0
    assert "BORDERCASE_CACHE must be file, redis or local, not 'memcached'" in refused.stderr

