"""How to reach a store: the user's options, the fsspec file system, and one-line errors.

Credentials are never handled here: each file system's own chain (environment, profile, instance
role, ``gcloud`` login ...) applies unless ``--anon`` or ``--storage-option`` says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from losslog.errors import InputError, UsageError
from losslog.remote.url import install_hint, scheme


@dataclass(frozen=True)
class StorageOptions:
    """``--anon``, ``--endpoint-url`` and ``--storage-option KEY=VALUE``, as given.

    Frozen and picklable: a Dask worker gets the same options to read remote runs itself.
    """

    anon: bool = False
    endpoint_url: str | None = None
    extra: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def for_protocol(self, proto: str) -> dict[str, Any]:
        """The keyword arguments of ``fsspec.filesystem(proto, ...)``."""
        opts: dict[str, Any] = {}
        if self.anon:
            if proto in ("gs", "gcs"):
                opts["token"] = "anon"
            elif proto not in ("http", "https"):
                opts["anon"] = True
        if self.endpoint_url:
            if proto in ("s3", "s3a") or proto in ("gs", "gcs"):
                opts["endpoint_url"] = self.endpoint_url
            elif proto in ("az", "abfs", "abfss"):
                opts["account_host"] = self.endpoint_url
        for key, value in self.extra:
            target = opts
            *parents, leaf = key.split(".")
            for part in parents:  # client_kwargs.region_name=eu-west-1
                target = target.setdefault(part, {})
            target[leaf] = value
        return opts


def parse_storage_option(item: str) -> tuple[str, Any]:
    """``KEY=VALUE``; true/false/none and numbers become Python values, a dotted key a nested dict."""
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"--storage-option {item!r}: expected KEY=VALUE (e.g. requester_pays=true)")
    low = value.strip().lower()
    parsed: Any = value
    if low in ("true", "false"):
        parsed = low == "true"
    elif low in ("none", "null"):
        parsed = None
    else:
        for kind in (int, float):
            try:
                parsed = kind(value)
                break
            except ValueError:
                continue
    return key, parsed


def make_options(anon: bool, endpoint_url: str | None, items: list[str] | None) -> StorageOptions:
    return StorageOptions(anon, endpoint_url or None, tuple(parse_storage_option(i) for i in items or ()))


def filesystem(url: str, options: StorageOptions) -> tuple[Any, str]:
    """(the fsspec file system for ``url``, the path within it); a missing extra is one line."""
    proto = scheme(url) or "file"
    try:
        import fsspec
    except ImportError:
        raise InputError(install_hint(proto), url) from None
    try:
        cls = fsspec.get_filesystem_class(proto)
    except (ImportError, ValueError):
        raise InputError(install_hint(proto), url) from None
    try:
        # a fresh instance: fsspec's instance cache would keep the credentials (and listings) of an
        # earlier call in this process
        fs = cls(skip_instance_cache=True, **options.for_protocol(proto))
    except ImportError:
        raise InputError(install_hint(proto), url) from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"bad storage options for {proto}:// ({exc}); see --storage-option", url) from None
    return fs, cls._strip_protocol(url).rstrip("/") or cls._strip_protocol(url)


_NO_CREDENTIALS = (
    "NoCredentialsError",
    "PartialCredentialsError",
    "DefaultCredentialsError",
    "ClientAuthenticationError",
)


def describe(exc: BaseException, url: str) -> InputError:
    """A store's exception as one line naming the URL and the fix."""
    name = type(exc).__name__
    text = str(exc).strip() or name
    proto = scheme(url) or ""
    if name in (
        "NoCredentialsError",
        "PartialCredentialsError",
        "DefaultCredentialsError",
        "ClientAuthenticationError",
    ):
        fix = {
            "s3": "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or pass --anon for a public bucket",
            "gs": "run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS, or --anon",
            "az": "set AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_NAME and a key, or --anon",
        }.get(proto.rstrip("a") if proto == "s3a" else proto, "pass credentials with --storage-option")
        return InputError(f"no credentials for {proto}:// ({text}): {fix}", url)
    if isinstance(exc, PermissionError) or "AccessDenied" in text or "Forbidden" in text or "403" in text:
        return InputError(
            f"access denied ({text}): the credentials in use may not list/read this; check the bucket "
            "policy or use credentials that may (AWS_PROFILE, --storage-option)",
            url,
        )
    if isinstance(exc, FileNotFoundError):
        if "bucket" in text.lower() or "container" in text.lower():
            return InputError(f"no such bucket ({text}): check the name, the account and --endpoint-url", url)
        return InputError("no such file or directory in the store (check the path)", url)
    if isinstance(exc, ImportError):
        return InputError(install_hint(proto), url)
    if name in ("EndpointConnectionError", "ClientConnectorError", "ConnectTimeoutError", "ConnectionError"):
        return InputError(f"cannot reach the store ({text}): check --endpoint-url and the network", url)
    return InputError(f"cannot read from the store ({name}: {text})", url)
