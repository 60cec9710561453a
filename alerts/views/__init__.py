"""The alerts' API views, a module per concern, each with its ``urlpatterns``."""
