"""Safe by default: with nothing set, DEBUG is off and the secret key is a local one generated once, never a
key written in the code; an unknown page or a server error tells nothing about the code."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path

from turf import urls as project_urls

PRINT_SETTINGS = "from django.conf import settings; print(settings.DEBUG); print(settings.SECRET_KEY)"


def load_settings(**env: str) -> tuple[str, str]:
    """(DEBUG, SECRET_KEY) as a fresh process reads them from ``env`` alone (nothing inherited from the suite)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "TURF_SECRET_KEY_FILE"}}
    clean.update(DJANGO_SETTINGS_MODULE="turf.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    debug, key = result.stdout.split()
    return debug, key


def test_debug_is_off_and_a_local_secret_key_is_generated_once_and_kept(tmp_path):
    key_file = tmp_path / "secret_key"
    debug, key = load_settings(TURF_SECRET_KEY_FILE=str(key_file))
    assert debug == "False"
    assert len(key) >= 50 and key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by its owner only
    # The next start reads the same key: sessions and tokens survive a restart.
    assert load_settings(TURF_SECRET_KEY_FILE=str(key_file)) == ("False", key)
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left beside it


def test_an_explicit_secret_key_wins_and_no_file_is_written(tmp_path):
    key_file = tmp_path / "secret_key"
    explicit = "an-operator-chosen-key-" + "k" * 40
    assert load_settings(SECRET_KEY=explicit, TURF_SECRET_KEY_FILE=str(key_file)) == ("False", explicit)
    assert not key_file.exists()


def test_debug_is_on_only_when_asked_for(tmp_path):
    assert load_settings(DEBUG="true", TURF_SECRET_KEY_FILE=str(tmp_path / "k"))[0] == "True"


def test_a_damaged_key_file_stops_the_start_instead_of_signing_with_a_weak_key(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("short\n")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="turf.settings", TURF_SECRET_KEY_FILE=str(key_file))
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "holds no usable secret key" in result.stderr


def test_the_local_secret_key_file_is_never_committed():
    result = subprocess.run(
        ["git", "check-ignore", "--quiet", ".secret_key"], cwd=settings.BASE_DIR, capture_output=True
    )
    if result.returncode == 128:
        pytest.skip("not a git checkout")
    assert result.returncode == 0, ".secret_key is not git-ignored"


def _boom(request):
    raise RuntimeError("secret detail: postgres://user:password@db/turf")


urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@pytest.mark.django_db
def test_an_unknown_page_is_the_plain_404_page_without_the_url_patterns(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Page not found" in text and "URLconf" not in text and "admin/" not in text


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_on_a_page_shows_no_traceback(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Traceback" not in text and "secret detail" not in text and "RuntimeError" not in text


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "production-like-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2,
    "TURF_HTTPS": "true",
    "NUM_PROXIES": "1",
    "ALLOWED_HOSTS": "turf.example",
}


def manage_check_deploy(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    clean.update(DJANGO_SETTINGS_MODULE="turf.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage_check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_fails_without_https_so_the_switch_is_what_makes_it_clean():
    result = manage_check_deploy(**{**PRODUCTION, "TURF_HTTPS": "false"})
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):  # HSTS, redirect, cookies
        assert warning in result.stderr


SECURITY_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({name: getattr(s, name, None) for name in "
    "['SECURE_SSL_REDIRECT', 'SECURE_PROXY_SSL_HEADER', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_REDIRECT_EXEMPT']}))"
)


def security_settings(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"TURF_HTTPS", "NUM_PROXIES"}}
    clean.update(DJANGO_SETTINGS_MODULE="turf.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", SECURITY_SETTINGS], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_turns_on_the_redirect_hsts_and_secure_cookies_and_trusts_the_proxy_header_only_behind_a_proxy():
    on = security_settings(TURF_HTTPS="true", NUM_PROXIES="1")
    assert on["SECURE_SSL_REDIRECT"] and on["SESSION_COOKIE_SECURE"] and on["CSRF_COOKIE_SECURE"]
    assert (
        on["SECURE_HSTS_SECONDS"] >= 31_536_000 and on["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and on["SECURE_HSTS_PRELOAD"]
    )
    assert on["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert any(re.match(pattern, "api/v1/health") for pattern in on["SECURE_REDIRECT_EXEMPT"])
    # Without a proxy in front, a client's own X-Forwarded-Proto must not make plain HTTP count as HTTPS.
    assert security_settings(TURF_HTTPS="true")["SECURE_PROXY_SSL_HEADER"] is None
    # A laptop's `make run` over plain HTTP: no redirect, no HSTS, cookies that work over http://127.0.0.1.
    off = security_settings()
    assert not off["SECURE_SSL_REDIRECT"] and off["SECURE_HSTS_SECONDS"] == 0 and not off["SESSION_COOKIE_SECURE"]


@pytest.mark.django_db
def test_pages_and_the_api_are_sent_with_the_safe_headers_and_an_httponly_session_cookie(client, free_user):
    for url in ("/login/", "/api/v1/health"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
    response = client.post("/login/", {"username": free_user.email, "password": "s3cret-Pass!"})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["httponly"]
