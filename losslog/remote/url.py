"""Which command-line inputs are URLs, and which optional extra each kind of store needs.

Kept free of fsspec so that telling a URL from a path costs nothing: local runs never import it.
"""

from __future__ import annotations

import re

#: ``scheme://``: s3://, gs://, az://, https://, memory:// ... (a Windows drive ``C:\\`` is no URL)
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")

#: the extra (``pip install 'losslog[NAME]'``) and the package behind each protocol
EXTRAS: dict[str, tuple[str, str]] = {
    "s3": ("s3", "s3fs"),
    "s3a": ("s3", "s3fs"),
    "gs": ("gcs", "gcsfs"),
    "gcs": ("gcs", "gcsfs"),
    "az": ("azure", "adlfs"),
    "abfs": ("azure", "adlfs"),
    "abfss": ("azure", "adlfs"),
    "adl": ("azure", "adlfs"),
    "http": ("remote", "fsspec[http] (aiohttp)"),
    "https": ("remote", "fsspec[http] (aiohttp)"),
}


def scheme(text: str) -> str | None:
    """The URL scheme of ``text`` in lower case, or None for a local path (``file://`` counts as local)."""
    m = _URL.match(text)
    if m is None:
        return None
    s = m.group("scheme").lower()
    return None if s in ("file", "local") else s


def is_url(text: object) -> bool:
    """True for an input to read through fsspec rather than from local disk."""
    return isinstance(text, str) and scheme(text) is not None


def local_path_text(text: str) -> str:
    """A ``file://`` URL as a plain path; anything else unchanged."""
    m = _URL.match(text)
    if m is not None and m.group("scheme").lower() in ("file", "local"):
        return text[m.end() :] or "/"
    return text


def install_hint(proto: str) -> str:
    """``s3:// needs s3fs: pip install 'losslog[s3]'``."""
    extra, package = EXTRAS.get(proto, ("remote", f"the fsspec implementation for {proto}://"))
    return f"{proto}:// needs {package}: pip install 'losslog[{extra}]'"
