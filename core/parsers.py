"""The API's JSON parser: DRF's, refusing what no part of the portal can hold.

JSON can carry, in valid syntax, text that PostgreSQL refuses (NUL) or that cannot be encoded at
all (a lone UTF-16 surrogate such as ``"\\ud800"``, which also breaks the JSON of an error message
that quotes it), and nesting deep enough to exhaust Python's stack. Each is a 400 here, before a
view or a service sees the data. (NUL in query strings and forms: core.middleware.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No request body of the API comes near this; an array of objects with a list inside is three.
MAX_DEPTH = 20
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        json_check(data)
        return data


def json_check(data: Any) -> None:
    """Raise ParseError when parsed JSON nests deeper than MAX_DEPTH or holds, in a key or a
    value, a NUL character or a lone surrogate. Iterative, so that it cannot overflow itself."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise ParseError(_too_deep())
            if isinstance(value, dict):
                for key, item in value.items():
                    _check_text(key)
                    pending.append((item, depth + 1))
            else:
                pending.extend((item, depth + 1) for item in value)


def _check_text(text: str) -> None:
    if _NUL in text:
        message = _("The request contains a NUL character, which no field accepts.")
        raise ParseError(message, code="invalid")
    if _SURROGATE.search(text):
        message = _(
            "The request contains a lone UTF-16 surrogate (U+D800 to U+DFFF), which is not "
            "a character."
        )
        raise ParseError(message, code="invalid")


def _too_deep() -> str:
    return _("The JSON body is nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}
