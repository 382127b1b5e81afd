"""Client portal plugin: hook implementations (filled in below)."""

from __future__ import annotations
