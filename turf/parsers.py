"""The one JSON parser of request bodies: text PostgreSQL cannot store, or no JSON at all, is a 400 at the door."""

from __future__ import annotations

import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A NUL character or a lone UTF-16 surrogate (``"\ud800"`` is valid JSON): PostgreSQL's text and jsonb refuse the
# first, UTF-8 cannot encode the second — a 500 when it reached the database or was echoed in an error message.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value) -> str | None:
    """The first unstorable character in ``value``'s strings (keys included), as U+XXXX, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found:
                return f"U+{ord(found[0]):04X}"
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


class TurfJSONParser(JSONParser):
    """DRF's strict JSON parser (no NaN nor Infinity), refusing too deep a nesting and text no column can hold."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # thousands of nested brackets: Python's parser gives up, not with a ValueError
            raise ParseError("JSON parse error - nested too deeply.") from None
        character = _unstorable(data)
        if character:
            raise ParseError(f"the body holds the character {character}, which text may not contain.")
        return data
