from django import forms
from django.contrib import admin

from .models import Feature, Plan


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
    list_display = ["name", "code", "rank", "monthly_price", "requests_per_minute", "requests_per_day", "is_active"]
    list_editable = ["monthly_price", "requests_per_minute", "requests_per_day"]
    ordering = ["rank"]
