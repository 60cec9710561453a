"""The Content-Security-Policy (django-csp): every page and Swagger UI are sent with a policy that runs no
script and applies no style the page did not ship itself (a file on our origin, or the request's nonce), and
the templates hold no inline code the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path

from turf import urls as project_urls

pytestmark = pytest.mark.django_db
TAG = re.compile(r"<(script|style)\b([^>]*)>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_nothing_inline_runs(response) -> None:
    """The policy allows only our own files and the nonce; each <script> and <style> of the page is one of them."""
    assert response.status_code in (200, 404, 500), response.status_code
    directives = policy(response)
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name] and "'unsafe-eval'" not in directives[name]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    allowed_nonces = {value[len("'nonce-") : -1] for value in directives["script-src"] if value.startswith("'nonce-")}
    html = response.content.decode()
    for tag, attributes in TAG.findall(html):
        src = re.search(r'\ssrc="([^"]*)"', attributes)
        if tag.lower() == "script" and src:
            # Our origin: a path, never another host (nor a protocol-relative //host).
            assert src.group(1).startswith("/") and not src.group(1).startswith("//"), src.group(1)
            continue
        nonce = re.search(r'\snonce="([^"]+)"', attributes)
        assert nonce and nonce.group(1) in allowed_nonces, f"inline <{tag}> without the request's nonce"
    assert not INLINE_HANDLER.search(html), "an inline event handler (onclick=...) would be blocked"
    assert not STYLE_ATTRIBUTE.search(html), "a style= attribute would be blocked"


@pytest.mark.parametrize("url", ["/login/", "/signup/", "/privacy/", "/no-such-page"])
def test_the_public_pages_carry_a_policy_without_unsafe_inline(client, url):
    response = client.get(url)
    assert response.status_code == (404 if url == "/no-such-page" else 200)
    assert_nothing_inline_runs(response)


@pytest.mark.parametrize("url", ["/", "/picks/", "/value-bets/", "/account/"])
def test_the_subscriber_pages_carry_a_policy_without_unsafe_inline(client, premium_user, url):
    client.force_login(premium_user)
    response = client.get(url)
    assert response.status_code == 200
    assert_nothing_inline_runs(response)


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/courses/race/"]
)
def test_the_admin_runs_under_the_policy(client, staff, url):
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert_nothing_inline_runs(response)


def test_swagger_ui_runs_under_the_policy_its_script_a_file_of_our_own(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert_nothing_inline_runs(response)
    html = response.content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert len(scripts) == 3 and "/api/v1/docs?script=" in scripts  # Swagger UI's bundle, preset and start-up
    for src in scripts:
        script = client.get(src)
        assert script.status_code == 200 and "javascript" in script["Content-Type"], src
    start_up = client.get(scripts[2]).content
    assert b"/api/v1/schema" in start_up  # it loads our schema, from our origin (connect-src 'self')
    # The stylesheet and the images it uses come from here too.
    css = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert css.startswith("/static/") and client.get(css).status_code == 200


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), *project_urls.urlpatterns]
handler404 = project_urls.handler404
handler500 = project_urls.handler500


@override_settings(ROOT_URLCONF=__name__)
def test_the_server_error_page_is_styled_by_a_file_not_inline(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_nothing_inline_runs(response)
    assert 'href="/static/dashboard/turf.css"' in response.content.decode()


def test_the_stylesheet_of_the_pages_is_served(client):
    response = client.get("/static/dashboard/turf.css")
    assert response.status_code == 200 and b".card" in b"".join(response.streaming_content)


TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize(
    "template",
    sorted(p for p in TEMPLATES.rglob("*.html") if "mail" not in p.parts),  # mails are not served to browsers
    ids=lambda p: str(p.relative_to(TEMPLATES)),
)
def test_no_template_holds_inline_code_the_policy_would_block(template):
    text = template.read_text()
    for tag, attributes in TAG.findall(text):
        assert "src=" in attributes or "nonce=" in attributes, f"inline <{tag}> without a nonce"
    assert not INLINE_HANDLER.search(text)
    assert not STYLE_ATTRIBUTE.search(text)
