"""CloudKitty: rating as a service for OpenStack clouds."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version('cloudkitty')
except _metadata.PackageNotFoundError:  # running from a bare checkout
    __version__ = '0.0.0'
