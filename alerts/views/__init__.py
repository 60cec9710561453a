"""The alerts app's API views, a module per concern."""
