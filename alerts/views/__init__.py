"""The alerts' API views, a module per concern."""
