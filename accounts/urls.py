from django.urls import path

from .views import account, api_keys, lifecycle, self_exclusion
from .views import auth as views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *lifecycle.urlpatterns,
    *account.urlpatterns,
    *api_keys.urlpatterns,
    *self_exclusion.urlpatterns,
]
