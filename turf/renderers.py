from django.conf import settings
from rest_framework.renderers import JSONRenderer


class VersionedJSONRenderer(JSONRenderer):
    """JSON renderer that stamps every object response, errors included, with ``"version": "v1"``: the one place."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "version" not in data:
            data = {"version": settings.TURF_VERSION, **data}
        return super().render(data, accepted_media_type, renderer_context)
