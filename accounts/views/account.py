"""The account itself: rectify (PATCH, GDPR Art. 16), erase (DELETE, Art. 17), export (GET data, Art. 15)."""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import IsAuthenticated

from turf.apiviews import TurfAPIView


class AccountView(TurfAPIView):
    permission_classes = [IsAuthenticated]

    # -- PATCH: the profile (name; a new e-mail address is verified again) -----------------------------

    # -- DELETE: the erasure ---------------------------------------------------------------------------


urlpatterns = [
    path("auth/account", AccountView.as_view(), name="auth-account"),
]
