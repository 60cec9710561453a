"""The alerts' API routes: the watchlist and the search's follow, the alerts and their preferences, webhooks."""

from .views import webhooks

urlpatterns = [
    *webhooks.urlpatterns,
]
