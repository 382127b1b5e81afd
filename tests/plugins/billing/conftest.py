"""Fixtures of the billing tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .builders import REPO_ROOT


@pytest.fixture(scope="session")
def ubl_schema_dir() -> Path:
    """The OASIS UBL 2.1 schemas (env ATLAS_UBL_SCHEMAS, default ../shared/schemas/ubl-2.1)."""
    path = Path(
        os.environ.get("ATLAS_UBL_SCHEMAS", REPO_ROOT.parent / "shared" / "schemas" / "ubl-2.1")
    )
    if not (path / "maindoc" / "UBL-Invoice-2.1.xsd").is_file():
        pytest.skip(f"UBL 2.1 schemas not found at {path}; set ATLAS_UBL_SCHEMAS")
    return path
