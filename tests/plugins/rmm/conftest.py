"""Hub configuration for the RMM tests: one source per adapter, each with its own secret."""

from __future__ import annotations

from typing import Any

import pytest
from rmm_http import RMM_CONFIG


@pytest.fixture
def plugin_config() -> dict[str, dict[str, Any]]:
    return {"rmm": RMM_CONFIG}
