"""The alerts app's serializers, a module per concern."""
