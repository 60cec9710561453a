"""The language of an answer: the pages follow the visitor, the API always speaks English.

Django's ``LocaleMiddleware`` picks the session's choice (``/i18n/setlang/``), else Accept-Language, else
``LANGUAGE_CODE`` (French). The API's messages and error envelope are a contract: under ``/api/`` the language is
``API_LANGUAGE_CODE`` whatever the request asks, and the answer does not vary on Accept-Language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's locale middleware for the pages; English, fixed, for the API."""

    def process_request(self, request):
        if request.path.startswith(API_PREFIX):
            translation.activate(settings.API_LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path.startswith(API_PREFIX):
            return response  # no Content-Language / Vary: Accept-Language, the API does not vary on it
        return super().process_response(request, response)
