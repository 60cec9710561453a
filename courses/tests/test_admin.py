"""Staff edit the racing data in the admin; nobody else reaches it; change lists cost fixed queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Race

from .factories import make_race

pytestmark = pytest.mark.django_db

CHANGE_LISTS = [
    "/admin/courses/racecourse/",
    "/admin/courses/meeting/",
    "/admin/courses/race/",
    "/admin/courses/horse/",
    "/admin/courses/jockey/",
    "/admin/courses/trainer/",
    "/admin/courses/runner/",
]


@pytest.mark.parametrize("url", CHANGE_LISTS)
def test_staff_see_every_change_list(client, staff, url):
    make_race()
    client.force_login(staff)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [*CHANGE_LISTS, "/admin/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_subscriber_without_staff_status_cannot_use_the_admin(client, free_user):
    client.force_login(free_user)
    response = client.get("/admin/courses/race/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_edit_a_race_with_its_runners_inline(client, staff):
    race = make_race(runners=3)
    client.force_login(staff)
    page = client.get(f"/admin/courses/race/{race.pk}/change/")
    assert page.status_code == 200
    assert b"runners-TOTAL_FORMS" in page.content


def test_search_and_filters_answer(client, staff):
    make_race()
    client.force_login(staff)
    assert client.get("/admin/courses/race/", {"q": "Prix"}).status_code == 200
    assert client.get("/admin/courses/race/", {"discipline": "plat", "status": "scheduled"}).status_code == 200
    assert client.get("/admin/courses/meeting/", {"date__year": "2025"}).status_code == 200
    assert client.get("/admin/courses/horse/", {"q": "Horse"}).status_code == 200


@pytest.mark.parametrize("url", ["/admin/courses/race/", "/admin/courses/runner/", "/admin/courses/meeting/"])
def test_change_lists_do_not_query_per_row(client, staff, url):
    client.force_login(staff)
    make_race(reunion=1, course=1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for course in range(2, 12):
        make_race(reunion=1 + course % 3, course=course, code=f"C{course % 3}")
    assert Race.objects.count() == 11
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
