"""What accounts tells the other apps without importing them."""

from django.dispatch import Signal

# Sent (sender=User, user=...) inside the erasure's transaction, before the user's rows are deleted. A receiver
# that raises stops the erasure and rolls it back (billing's cancels the Stripe subscription first: Stripe
# unreachable -> 502, nothing erased).
account_erasing = Signal()
