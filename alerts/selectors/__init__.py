"""The alerts app's reads, a module per concern."""
