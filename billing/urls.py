from django.urls import path

from .views import me

urlpatterns = [
    path("auth/me", me.MeView.as_view(), name="auth-me"),
]
