"""Retraining with corrections swaps the model only when it is not worse; the CLI runs."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

from httpx import AsyncClient

from hub.cli import main
from hub.runtime import Hub
from plugins.triage.category_model import EvalReport
from plugins.triage.retraining import retrain
from plugins.triage.runtime import TriageRuntime
from plugins.triage.tables import TriageModel
from tests.conftest import Keys
from tests.plugins.triage.hub_helpers import ACCESS_BODY, ACCESS_SUBJECT, msp

REPO = Path(__file__).resolve().parents[3]
ROWS = 1500
HELD_OUT = ROWS // 5


def report(macro_f1: float) -> EvalReport:
    return EvalReport(macro_f1=macro_f1, accuracy=macro_f1, n_items=HELD_OUT, per_class={})


async def test_retrain_swaps_only_when_not_worse(
    hub: Hub, client: AsyncClient, keys: Keys, tickets_csv: Path
) -> None:
    m = await msp(client, keys.admin_h)
    r = await client.post(
        "/api/v1/tasks",
        json={
            "customer_id": m["customer"]["id"],
            "title": ACCESS_SUBJECT,
            "description": ACCESS_BODY,
            "source": "email",
        },
        headers=keys.admin_h,
    )
    task = r.json()
    r = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"version": task["version"], "category": "Administrative rights"},
        headers=keys.admin_h,
    )
    assert r.status_code == 200, r.text
    runtime: TriageRuntime = hub.state["triage.runtime"]

    swapped = await retrain(
        hub.settings.home, runtime.settings, tickets_csv, max_rows=ROWS, baseline=report(0.0)
    )
    assert swapped.swapped and swapped.n_corrections == 1
    assert swapped.report.n_items == HELD_OUT and swapped.report.macro_f1 > 0.5
    assert Path(swapped.path).is_file()
    assert Path(swapped.path).parent == hub.settings.home / "triage" / "models"
    active = await TriageModel.select().where(TriageModel.active.eq(True))
    assert [row["version"] for row in active] == [swapped.version]

    kept = await retrain(
        hub.settings.home, runtime.settings, tickets_csv, max_rows=ROWS, baseline=report(1.0)
    )
    assert not kept.swapped and kept.path == ""
    active = await TriageModel.select().where(TriageModel.active.eq(True))
    assert [row["version"] for row in active] == [swapped.version]

    # the running hub switches to the swapped-in model at its next refresh
    await runtime.roster.refresh()
    await runtime.check_model()
    info = (await client.get("/api/v1/triage/model", headers=keys.admin_h)).json()
    assert info["version"] == swapped.version and info["origin"] == "retrained"
    assert info["n_extra"] == 1 and info["heldout"]["n_items"] == HELD_OUT
    assert [(e["version"], e["swapped"], e["active"]) for e in info["retrains"]] == [
        (kept.version, False, False),
        (swapped.version, True, True),
    ]


def test_cli_eval_and_retrain(tmp_path: Path, tickets_csv: Path) -> None:
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "hub.cli", "triage", "--home", str(home), "eval"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "active model: category-v1 (shipped" in done.stdout
    assert "macro-F1 0.8701  accuracy 0.8688" in done.stdout
    assert "Storage" in done.stdout

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "triage",
                "--home",
                str(home),
                "retrain",
                "--corpus",
                str(tickets_csv.parent),
                "--max-rows",
                "1000",
            ]
        )
    assert code == 0
    text = out.getvalue()
    assert "held-out items: 200" in text and "corrections used: 0" in text
    # the shipped model saw most of this subsample in training: the small one is worse
    assert "decision: KEPT the active model" in text

    bad = main(["triage", "--home", str(home), "retrain", "--corpus", str(tmp_path / "none")])
    assert bad == 2
