"""Billing plugin: hook implementations."""

from __future__ import annotations
