from django.contrib.auth.views import LogoutView
from django.urls import include, path

from . import pages, views
from .pages import alerts, pro, public, track_record, watchlist

app_name = "dashboard"

urlpatterns = [
    *public.urlpatterns,
    path("picks/", views.picks, name="picks"),
    path("value-bets/", views.value_bets, name="value-bets"),
    path("account/", views.account, name="account"),
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    *pages.urlpatterns,
    path("", include("dashboard.pages.bets")),  # lane card: my bets
    *pro.urlpatterns,
    *track_record.urlpatterns,
    *watchlist.urlpatterns,
    *alerts.urlpatterns,
    path("i18n/setlang/", views.language_set, name="set_language"),
]
