"""Logs in object storage (``s3://``, ``gs://``, ``az://``, ``https://``, anything fsspec knows).

A remote folder is listed, each object's first bytes are read to tell its format, and only the
files a reader claims are fetched, into a mirror in the user's cache folder keyed by each
object's ETag/version; the local readers then read the mirror, and runs keep their URLs as
sources. fsspec and the store's package (s3fs, gcsfs, adlfs) are optional extras, imported only
when a URL is given.
"""

from losslog.remote.inputs import Mirrors, RemoteDiscovery, as_input, discover_inputs, has_url, mirror_inputs
from losslog.remote.storage import StorageOptions, make_options
from losslog.remote.url import is_url

__all__ = [
    "Mirrors",
    "RemoteDiscovery",
    "StorageOptions",
    "as_input",
    "discover_inputs",
    "has_url",
    "is_url",
    "make_options",
    "mirror_inputs",
]
