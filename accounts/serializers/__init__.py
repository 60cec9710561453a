"""Request and response shapes of accounts, one module per concern."""

from .auth import LoginSerializer, RefreshSerializer, RegisterSerializer, TokensSerializer, UserSerializer

__all__ = ["LoginSerializer", "RefreshSerializer", "RegisterSerializer", "TokensSerializer", "UserSerializer"]
