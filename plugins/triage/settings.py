"""The ``[triage]`` table of plugins.toml, parsed once into a typed struct."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import msgspec

from hub.settings import SettingsError

Fraction = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Seconds = Annotated[float, msgspec.Meta(ge=0.0, le=3600.0)]

#: category -> team; the defaults name the demo MSP's teams (hub/services/demo.py)
DEFAULT_TEAMS: dict[str, str] = {
    "Access": "Service Desk",
    "Administrative rights": "Service Desk",
    "HR Support": "Service Desk",
    "Hardware": "Service Desk",
    "Miscellaneous": "Service Desk",
    "Purchase": "Service Desk",
    "Internal Project": "Infrastructure",
    "Storage": "Infrastructure",
}
#: category -> technician skills that make a technician a better match
DEFAULT_SKILLS: dict[str, list[str]] = {"Hardware": ["hardware"], "Storage": ["storage"]}
CORPUS_FILE = "all_tickets_processed_improved_v3.csv"


def default_corpus() -> str:
    """The base ticket corpus: ``$ATLAS_CORPORA/tickets/it-service-tickets`` or ``../shared``."""
    root = os.environ.get("ATLAS_CORPORA") or str(Path("..") / "shared" / "corpora")
    return str(Path(root) / "tickets" / "it-service-tickets")


class TriageSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Triage settings; every field has a default so an empty table works."""

    #: category confidence below which an item goes to the review queue, not a technician
    review_threshold: Fraction = 0.6
    #: category -> team name (a team that does not exist sends the item to review)
    teams: dict[str, str] = msgspec.field(default_factory=lambda: dict(DEFAULT_TEAMS))
    #: category -> skills preferred when choosing a technician
    skills: dict[str, list[str]] = msgspec.field(default_factory=lambda: dict(DEFAULT_SKILLS))
    #: pin a model file (``.npz``); "" = the active retrained model, else the shipped one
    model_path: str = ""
    #: base corpus for ``atlas-hub triage retrain`` (a CSV file or the folder holding it)
    corpus_path: str = msgspec.field(default_factory=default_corpus)
    #: how long team, technician, load and on-call data are cached per process
    cache_seconds: Seconds = 5.0
    #: inbox items waiting for review are listed for this many days
    review_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 14


def parse_settings(raw: dict[str, Any]) -> TriageSettings:
    """Validate the plugin's table; raise ``SettingsError`` naming the bad key."""
    try:
        return msgspec.convert(raw, TriageSettings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"plugins.toml [triage]: {exc}") from exc


def corpus_file(path: str | Path) -> Path:
    """Resolve a corpus setting or ``--corpus`` value to the CSV file it means."""
    target = Path(path).expanduser()
    if target.is_dir():
        candidate = target / CORPUS_FILE
        if candidate.is_file():
            return candidate
        csvs = sorted(target.glob("*.csv"))
        if len(csvs) == 1:
            return csvs[0]
        raise SettingsError(f"corpus folder {target} holds no {CORPUS_FILE}")
    if not target.is_file():
        raise SettingsError(f"corpus {target} not found (set [triage] corpus_path or --corpus)")
    return target
