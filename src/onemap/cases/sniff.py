"""Tell an attachment's media type from its bytes and check it against the allow-list.

Pure: bytes in, a media type out; the type a browser or client declares is never used.

The allow-list (:data:`ALLOWED`) is what case evidence needs and cannot run in a
browser: photos (JPEG, PNG, GIF, WebP, TIFF, HEIC), PDF documents, Word and Excel
files (DOCX, XLSX: a ZIP holding ``[Content_Types].xml`` and ``word/`` or ``xl/``),
ZIP archives, and plain text or CSV (UTF-8 or GB18030, without markup). Everything
else is refused, among it HTML, SVG and XML (script on the app's origin), executables,
and legacy OLE Office files (``.doc``/``.xls``, which carry macros). A Shapefile is
several files and is attached as one ZIP; its parts alone are refused. Attachments are
served as downloads whatever their type (``Content-Disposition: attachment``,
``nosniff``, a sandbox CSP), so the list is a second line of defence, not the only one.
"""

from __future__ import annotations

import io
import re
import zipfile

OCTET = "application/octet-stream"
ALLOWED: dict[str, str] = {
    "image/jpeg": "JPEG 照片", "image/png": "PNG 图片", "image/gif": "GIF 图片",
    "image/webp": "WebP 图片", "image/tiff": "TIFF 影像", "image/heic": "HEIC 照片",
    "application/pdf": "PDF 文档",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word 文档",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel 表格",
    "application/zip": "ZIP 压缩包", "text/plain": "文本", "text/csv": "CSV 表格",
}
"""Media types an attachment may have (type → what it is, for messages)."""

_MAGIC: list[tuple[bytes, str]] = [
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # an empty archive
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
]
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_MARKUP = re.compile(
    r"<\s*/?\s*(?:!doctype|html|head|body|script|iframe|frame|frameset|object|embed|img"
    r"|meta|link|style|form|input|base|math|a|svg|\?xml)(?=[\s/>]|$)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


# PLR0911: a signature table: one return per file type
def sniff_media_type(data: bytes, filename: str = "") -> str:  # noqa: PLR0911
    r"""Return the media type the content of a file shows (magic bytes, then text rules).

    ``filename`` only chooses between ``text/csv`` and ``text/plain`` for text, which
    content cannot tell apart.

    Examples
    --------
    >>> sniff_media_type(b"\xff\xd8\xff\xe0" + bytes(16), "x.png")
    'image/jpeg'
    >>> sniff_media_type(b"<!DOCTYPE html><script>alert(1)</script>", "x.jpg")
    'text/html'
    >>> sniff_media_type("县,面积\n360111,12.5\n".encode(), "a.csv")
    'text/csv'
    """
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return _zip_kind(data) if media_type == "application/zip" else media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "image/heic"
    text = _as_text(data)
    if text is None:
        return OCTET
    if re.search(r"<\s*svg[\s>/]", text, re.IGNORECASE):
        return "image/svg+xml"
    if text.lstrip().startswith("<?xml"):
        return "application/xml"
    if _MARKUP.search(text):
        return "text/html"
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def _zip_kind(data: bytes) -> str:
    """Tell DOCX and XLSX from other ZIP archives by their entries."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return OCTET
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "application/zip"


def _as_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM) or GB18030 text; None for binary content."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if _CONTROL.search(text) else text
    return None


def allowed(media_type: str) -> bool:
    """Tell whether an attachment of ``media_type`` may be stored (see :data:`ALLOWED`).

    Examples
    --------
    >>> allowed("image/png"), allowed("text/html")
    (True, False)
    """
    return media_type in ALLOWED
