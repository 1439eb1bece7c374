"""JSON exactly as JavaScript's JSON.stringify prints it.

Many webhook receivers verify the signature over `JSON.stringify(req.body)` after a JSON body
parser instead of over the raw bytes. Both verify only if our body is a fixed point of
`JSON.stringify(JSON.parse(body))`: UTF-8 not escaped, no spaces, numbers as JavaScript prints
them (1.0 → 1, 1e21 → 1e+21, 1e-7 → 1e-7), and keys in the order JavaScript keeps them
(integer-like keys first, ascending, then the others in insertion order).
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SAFE_INTEGER = 2**53 - 1
_MAX_ARRAY_INDEX = 2**32 - 2


def js_number(value: float) -> str:
    """ECMAScript Number::toString for a double (JSON.stringify prints non-finite as null)."""
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "0"  # -0 too
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, the same digits JavaScript chooses.
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)
    digits = digits.lstrip("0")
    k = len(digits)
    n = exponent + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
    return sign + text


def _string(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)  # escapes exactly what JSON.stringify escapes
    # A lone surrogate cannot be UTF-8: JSON.stringify writes it as an escape.
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _is_array_index(key: str) -> bool:
    return key.isascii() and key.isdigit() and (key == "0" or key[0] != "0") and int(key) <= _MAX_ARRAY_INDEX


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        # JavaScript holds numbers as doubles: beyond 2^53 it prints the double.
        out.append(str(value) if abs(value) <= _MAX_SAFE_INTEGER else js_number(float(value)))
    elif isinstance(value, (float, Decimal)):
        out.append(js_number(float(value)))
    elif isinstance(value, dict):
        keys = [str(k) for k in value]
        if len(keys) != len(set(keys)):
            raise ValueError("Duplicate keys after conversion to strings")
        items = [(str(k), v) for k, v in value.items()]
        indexed = sorted((kv for kv in items if _is_array_index(kv[0])), key=lambda kv: int(kv[0]))
        named = [kv for kv in items if not _is_array_index(kv[0])]
        out.append("{")
        for i, (key, item) in enumerate(indexed + named):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def stringify(value: Any) -> str:
    """The text JSON.stringify(value) prints."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out)


def stringify_bytes(value: Any) -> bytes:
    """stringify as UTF-8, the bytes a webhook carries."""
    return stringify(value).encode("utf-8")
