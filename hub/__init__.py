"""Atlas Hub: a headless service-ticket hub for IT managed service providers."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("atlas-hub")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
