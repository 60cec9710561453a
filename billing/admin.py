from django import forms
from django.contrib import admin

from turf.audit import audit_write, request_address
from turf.models import ActorKind, AuditAction

from .models import Feature, Invoice, Plan, StripeEvent, Subscription


class PlanForm(forms.ModelForm):
    features = forms.MultipleChoiceField(choices=Feature.choices, widget=forms.CheckboxSelectMultiple, required=False)

    class Meta:
        model = Plan
        fields = [
            "code",
            "name",
            "rank",
            "monthly_price",
            "features",
            "requests_per_minute",
            "requests_per_day",
            "daily_quotas",
            "is_active",
            "stripe_price_id",
        ]

    def clean_daily_quotas(self):
        quotas = self.cleaned_data["daily_quotas"] or {}
        if not isinstance(quotas, dict):
            raise forms.ValidationError('Give an object such as {"top3": 1}.')
        for feature, limit in quotas.items():
            if feature not in Feature.values:
                raise forms.ValidationError(f"{feature!r} is not a feature.")
            if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
                raise forms.ValidationError(f"The quota for {feature} must be a whole number of calls, 0 or more.")
        return quotas


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = [
        "name",
        "code",
        "rank",
        "monthly_price",
        "stripe_price_id",
        "requests_per_minute",
        "requests_per_day",
        "is_active",
    ]
    list_editable = ["monthly_price", "stripe_price_id", "requests_per_minute", "requests_per_day"]
    ordering = ["rank"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Staff move a user's plan here; each change of plan is written to the audit trail."""

    list_display = ["user", "plan", "status", "current_period_end", "cancel_at_period_end", "updated_at"]
    list_filter = ["plan", "status", "cancel_at_period_end"]
    list_select_related = ["user", "plan"]
    search_fields = ["user__email", "stripe_customer_id", "stripe_subscription_id"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        before = Subscription.objects.filter(pk=obj.pk).select_related("plan").first() if change else None
        super().save_model(request, obj, form, change)
        if before is None or before.plan_id != obj.plan_id:
            audit_write(
                action=AuditAction.PLAN_CHANGED,
                actor=request.user,
                actor_kind=ActorKind.STAFF,
                subject=obj.user_id,
                target="plan",
                before={"plan": before.plan.code} if before else None,
                after={"plan": obj.plan.code},
                address=request_address(request),
            )


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "created", "received_at", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "status", "amount_paid", "currency", "period_end", "created_at"]
    list_filter = ["status"]
    search_fields = ["number", "stripe_invoice_id", "stripe_customer_id", "user__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
