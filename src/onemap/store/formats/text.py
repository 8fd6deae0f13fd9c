"""Decode text files (coordinate TXT, CSV): UTF-8 with or without BOM, else GBK/GB18030.

A file whose lines mix UTF-8 and GBK (two tools appended to it) is refused naming a
line of each kind, instead of being decoded into garbled Chinese.
"""

from __future__ import annotations

from onemap.errors import ImportRejected

_NAMES = {"utf-8-sig": "UTF-8", "gb18030": "GB18030"}


def decode_text(data: bytes, encoding: str | None = None, *, path: str = "",
                error: type[ImportRejected] = ImportRejected) -> tuple[str, str]:
    """Return ``(text, encoding name)``; raise ``error`` naming the offending line."""
    if encoding:
        try:
            return data.decode(encoding).lstrip("\ufeff"), encoding
        except LookupError:
            raise error(f"unknown text encoding {encoding!r}", path=path) from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise error(f"text is not valid {encoding}", path=path, line=line) from None
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = data[: exc.start].count(b"\n") + 1
    utf8_line = _first_cjk_utf8_line(data)
    if utf8_line is not None:
        raise error(f"mixed text encodings: line {utf8_line} is UTF-8 but line {first_bad} "
                    "is not (GBK?); save the file in one encoding", path=path, line=first_bad)
    try:
        return data.decode("gb18030"), "GB18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error("text is neither UTF-8 nor GBK/GB18030 (unknown encoding)", path=path,
                    line=line) from None


def _first_cjk_utf8_line(data: bytes) -> int | None:
    """Return the first line that is valid UTF-8 holding characters ≥ U+0800 (CJK)."""
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if any(ord(c) >= 0x800 for c in text):
            return number
    return None
