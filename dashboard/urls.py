from django.contrib.auth.views import LogoutView
from django.urls import include, path

from . import pages, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("races/<str:code>/", views.race, name="race"),
    path("picks/", views.picks, name="picks"),
    path("value-bets/", views.value_bets, name="value-bets"),
    path("account/", views.account, name="account"),
    path("login/", views.Login.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    *pages.urlpatterns,
    path("i18n/", include("django.conf.urls.i18n")),  # POST i18n/setlang/: dashboard:set_language (lane i18n)
]
