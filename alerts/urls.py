"""The alerts' API routes: the watchlist and the search's follow, the alerts and their preferences, webhooks."""

from .views import watchlist

urlpatterns = [
    *watchlist.urlpatterns,
]
