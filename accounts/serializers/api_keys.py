"""API keys' request and response shapes: the key itself appears only in the creation's answer."""

from __future__ import annotations

from rest_framework import serializers

from turf.serializers import StrictSerializer


class ApiKeyCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=60, help_text='What the key is for, e.g. "nightly export script"')


class ApiKeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField(help_text="The key's first characters, to tell it apart")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True, help_text="Updated at most once a minute")
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    key = serializers.CharField(help_text="The key: shown this once, stored only as its SHA-256. Keep it secret.")
    created_at = serializers.DateTimeField()
