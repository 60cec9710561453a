"""Staff manage model versions in the admin; predictions there are read-only."""

import pytest

from predictions.models import ModelStatus, Prediction, PublishedPrediction
from predictions.services.published import predictions_freeze
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active

from .factories import DAY, model_version, race_with

pytestmark = pytest.mark.django_db


def test_staff_activate_a_version_and_the_previous_one_retires(client, staff):
    old = model_version_active()
    new = model_version("xgb-1")
    client.force_login(staff)
    response = client.post(
        "/admin/predictions/modelversion/", {"action": "activate", "_selected_action": [new.pk]}, follow=True
    )
    assert response.status_code == 200
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ModelStatus.RETIRED, ModelStatus.ACTIVE)


def test_activating_two_versions_at_once_is_refused(client, staff):
    old = model_version_active()
    a, b = model_version("a"), model_version("b")
    client.force_login(staff)
    response = client.post(
        "/admin/predictions/modelversion/", {"action": "activate", "_selected_action": [a.pk, b.pk]}, follow=True
    )
    assert "exactly one" in response.content.decode()
    old.refresh_from_db()
    assert old.status == ModelStatus.ACTIVE


def test_staff_read_predictions_but_cannot_change_them(client, staff):
    race_with()
    predictions_score(start=DAY, end=DAY)
    client.force_login(staff)
    assert client.get("/admin/predictions/prediction/").status_code == 200
    assert client.get("/admin/predictions/modelversion/").status_code == 200
    prediction = Prediction.objects.first()
    response = client.post(f"/admin/predictions/prediction/{prediction.pk}/change/", {"win_probability": 0.9})
    assert response.status_code == 403
    prediction.refresh_from_db()
    assert prediction.win_probability == pytest.approx(0.5)


def test_a_subscriber_cannot_reach_the_model_registry(client, free_user):
    client.force_login(free_user)
    response = client.get("/admin/predictions/modelversion/")
    assert response.status_code == 302


def test_staff_read_what_was_published_but_cannot_change_it(client, staff):
    race = race_with()
    predictions_score(start=DAY, end=DAY)
    assert predictions_freeze(race_ids=[race.pk], stage="off").predictions == 3
    client.force_login(staff)
    listing = client.get("/admin/predictions/publishedprediction/", {"stage__exact": "off"})
    assert listing.status_code == 200 and "Horse 1105-1-1-1" in listing.content.decode()
    published = PublishedPrediction.objects.first()
    response = client.post(f"/admin/predictions/publishedprediction/{published.pk}/change/", {"win_probability": 0.9})
    assert response.status_code == 403


def test_an_activation_in_the_admin_is_audited_with_the_staff_member(client, staff):
    from turf.models import ActorKind, AuditAction, AuditEntry

    old = model_version_active()
    new = model_version("xgb-2")
    client.force_login(staff)
    client.post("/admin/predictions/modelversion/", {"action": "activate", "_selected_action": [new.pk]})
    entry = AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).latest("id")
    assert (entry.actor_kind, entry.actor_id, entry.address) == (ActorKind.STAFF, staff.pk, "127.0.0.1")
    assert (entry.before, entry.after) == ({"active": old.version}, {"active": "xgb-2"})
    assert entry.target == f"model_version:{new.pk}"
