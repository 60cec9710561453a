"""The French catalogue covers every string the code and the templates mark for translation: a string added
without its French would show in English on a French page. makemessages runs over a copy of the tracked sources
(the repository's own catalogue is not touched) and the merged catalogue must have nothing untranslated or fuzzy."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
CATALOGUE = Path("locale/fr/LC_MESSAGES/django.po")


def _tracked_sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in listed.splitlines() if name.endswith((".py", ".html", ".txt", ".po"))]


def _statistics(copy: Path, monkeypatch) -> str:
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["fr"], verbosity=0)
    done = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(CATALOGUE)], cwd=copy, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.strip()


@pytest.fixture
def copy(tmp_path):
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed (apt-get install gettext): the catalogue cannot be checked")
    if not (ROOT / ".git").exists():
        pytest.fail(f"{ROOT} is not a git checkout: the tracked sources cannot be listed")
    for name in _tracked_sources():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return tmp_path


def test_every_marked_string_has_its_french(copy, monkeypatch):
    statistics = _statistics(copy, monkeypatch)
    assert "untranslated" not in statistics and "fuzzy" not in statistics, statistics


def test_a_new_string_without_its_french_is_caught(copy, monkeypatch):
    page = copy / "templates" / "dashboard" / "new_page.html"
    page.write_text('{% load i18n %}<p>{% translate "A sentence nobody has translated yet" %}</p>\n')
    assert "1 untranslated message" in _statistics(copy, monkeypatch)
