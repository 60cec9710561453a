"""The start-up check that every gated view names a real feature."""

from django.urls import path

from billing.checks import feature_codes_check
from turf.apiviews import TurfAPIView


class _Misspelt(TurfAPIView):
    required_feature = "valuebet"  # not a feature: the gate would refuse every call


urlpatterns = [path("misspelt", _Misspelt.as_view())]


def test_every_view_of_the_project_names_a_real_feature():
    assert feature_codes_check() == []


def test_a_view_naming_no_real_feature_is_an_error_at_start_up(settings):
    settings.ROOT_URLCONF = __name__
    errors = feature_codes_check()
    assert [error.id for error in errors] == ["billing.E001"]
    assert "'valuebet'" in errors[0].msg and "valuebets" in errors[0].hint
