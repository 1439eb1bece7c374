"""JSON answers (jsonify) written by orjson: the same JSON as Flask's own provider, ~6x faster.

The standard library took ~0.1 ms to write a 50-row work order list, orjson ~0.015 (bench/README.md).
What stays the same: key order (never sorted), compact separators, the trailing newline, and every
value the standard provider turns into something else (Decimal, datetime as an HTTP date,
dataclasses, objects with __html__) goes through Flask's own conversion. What differs in bytes,
never in value: non-ASCII text is written as UTF-8 instead of \\u escapes, and a float below
1e-4 without an exponent (0.00005, not 5e-05). Anything orjson refuses (an int beyond 64 bits)
falls back to the standard provider. dumps() (templates' tojson) and loads() (request bodies, whose
NaN and duplicate-key handling the validation relies on) stay the standard library's.
"""
from __future__ import annotations

import weakref
from typing import Any

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

# Datetimes and dataclasses go through Flask's conversion (orjson would write them its own way);
# str/int/dict subclasses (enums) are written as their value, as the standard library does.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


class FastJSONProvider(DefaultJSONProvider):
    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        # Our own reference (weak, as the base class keeps its own): debug mode and the response class.
        self.flask_app = weakref.proxy(app)

    def _fast(self) -> bool:
        # Indented output (debug mode, compact=False) and sorted keys: the standard provider.
        compact = self.compact if self.compact is not None else not self.flask_app.debug
        return compact and not self.sort_keys

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if not self._fast():
            return super().response(*args, **kwargs)
        obj = _response_value(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except orjson.JSONEncodeError:
            return super().response(obj)
        return self.flask_app.response_class(body, mimetype=self.mimetype)


def _response_value(args: tuple, kwargs: dict) -> Any:
    """What jsonify() documents it serialises: one positional argument as it is, several as a
    list, keyword arguments as an object, nothing as null; both at once is an error."""
    if args and kwargs:
        raise TypeError("jsonify() behavior undefined when passed both args and kwargs")
    if not args and not kwargs:
        return None
    if len(args) == 1:
        return args[0]
    return args or kwargs
