from django.urls import path

from .views import billing, me

urlpatterns = [
    path("auth/me", me.MeView.as_view(), name="auth-me"),
    path("billing/subscription", billing.SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/usage", billing.UsageView.as_view(), name="billing-usage"),
    path("billing/checkout", billing.CheckoutView.as_view(), name="billing-checkout"),
    path("billing/portal", billing.PortalView.as_view(), name="billing-portal"),
    path("billing/cancel", billing.CancelView.as_view(), name="billing-cancel"),
    path("billing/webhook", billing.WebhookView.as_view(), name="billing-webhook"),
]
