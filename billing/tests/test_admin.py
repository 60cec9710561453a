"""Staff sell a plan by giving it its Stripe price in the admin, beside its monthly price."""

import pytest

from billing.models import Plan

pytestmark = pytest.mark.django_db


def test_staff_see_and_edit_the_stripe_price_and_the_monthly_price_in_the_plan_list(client, staff):
    client.force_login(staff)
    page = client.get("/admin/billing/plan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "stripe_price_id" in html and "monthly_price" in html
    plans = list(Plan.objects.order_by("rank"))
    data = {
        "form-TOTAL_FORMS": str(len(plans)),
        "form-INITIAL_FORMS": str(len(plans)),
        "_save": "Save",
    }
    for i, plan in enumerate(plans):
        data.update(
            {
                f"form-{i}-id": str(plan.pk),
                f"form-{i}-monthly_price": "24.90" if plan.code == "premium" else str(plan.monthly_price),
                f"form-{i}-stripe_price_id": "price_live_premium" if plan.code == "premium" else plan.stripe_price_id,
                f"form-{i}-requests_per_minute": str(plan.requests_per_minute),
                f"form-{i}-requests_per_day": str(plan.requests_per_day),
            }
        )
    assert client.post("/admin/billing/plan/", data).status_code == 302
    premium = Plan.objects.get(code="premium")
    assert (premium.stripe_price_id, str(premium.monthly_price)) == ("price_live_premium", "24.90")


def test_the_plan_form_edits_the_stripe_price(client, staff):
    client.force_login(staff)
    plan = Plan.objects.get(code="pro")
    page = client.get(f"/admin/billing/plan/{plan.pk}/change/")
    assert 'name="stripe_price_id"' in page.content.decode() and 'name="monthly_price"' in page.content.decode()
