"""The alerts' request and response shapes, a module per concern."""
