"""The webhooks' tests: a real HTTP receiver on the loopback (pytest-httpserver), allowed explicitly."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def receiver(httpserver, settings):
    """The local receiver and its URL; http on the loopback allowed for the test (as an operator would in dev)."""
    settings.TURF_WEBHOOK_ALLOW_HTTP = True
    settings.TURF_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    yield httpserver
    httpserver.clear()


@pytest.fixture
def connects(monkeypatch):
    """Every socket connection attempted during the test (they still happen): a refusal must make none."""
    made = []
    connect = socket.socket.connect

    def recording(self, address):
        made.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    return made


@pytest.fixture
def resolves_to(monkeypatch):
    """Make host names resolve to the given addresses (the DNS a test controls); literal IPs resolve as usual."""
    real = socket.getaddrinfo
    table: dict[str, list[str]] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [
                (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in table[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table
