"""``atlas-hub triage retrain|eval``: retrain the category model, show the active one's figures."""

from __future__ import annotations

import argparse
import asyncio
import sys

from hub.contracts import Command
from hub.logs import configure_logging
from hub.settings import Settings, SettingsError, load_settings
from plugins.triage import models_store
from plugins.triage.settings import TriageSettings, corpus_file, parse_settings

# The common options (--home, ...) are accepted after the sub-command too; SUPPRESS keeps
# the sub-parser from overwriting values given before it.
_COMMON = ("--home", "--database-url", "--plugins-config")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add ``retrain`` and ``eval`` under ``atlas-hub triage``."""
    sub = parser.add_subparsers(dest="triage_cmd", required=True)
    re_p = sub.add_parser("retrain", help="retrain from the corpus plus category corrections")
    ev_p = sub.add_parser("eval", help="print the active model's held-out figures")
    for p in (re_p, ev_p):
        for flag in _COMMON:
            p.add_argument(flag, default=argparse.SUPPRESS)
        p.add_argument("--corpus", help="corpus CSV or folder (default: [triage] corpus_path)")
        p.add_argument("--max-rows", type=int, help="use a stratified subsample of N rows")
        p.add_argument("--seed", type=int, default=42, help="split seed (default 42)")
    ev_p.add_argument(
        "--recompute", action="store_true", help="score the active model on the corpus now"
    )


def _load(args: argparse.Namespace) -> tuple[Settings, TriageSettings]:
    settings = load_settings(
        home=args.home,
        database_url=args.database_url,
        plugins_config=args.plugins_config,
        log_format=args.log_format,
    )
    return settings, parse_settings(settings.plugin_settings("triage"))


async def _retrain(args: argparse.Namespace, settings: Settings, cfg: TriageSettings) -> int:
    # training pulls in scikit-learn (~1.5 s): only the commands that train import it
    from hub.db import engine as db
    from plugins.triage.retraining import figures, retrain

    corpus = corpus_file(args.corpus or cfg.corpus_path)
    async with db.database(settings.database_url, settings.database_path):
        result = await retrain(settings.home, cfg, corpus, max_rows=args.max_rows, seed=args.seed)
    print(
        f"corpus: {result.corpus}"
        + (f" (subsample of {args.max_rows} rows)" if args.max_rows else "")
    )
    print(
        f"corrections used: {result.n_corrections}"
        + (
            f" (skipped {result.skipped_corrections} with unknown categories)"
            if result.skipped_corrections
            else ""
        )
    )
    print(
        figures(
            result.report,
            result.baseline,
            (f"new {result.version}", f"active {result.baseline_version}"),
        )
    )
    print()
    if result.swapped:
        print(f"decision: SWAPPED IN - not worse than the active model; written to {result.path}")
        if result.pinned:
            print("note: [triage] model_path pins a model; hubs keep using it until it is removed")
    else:
        print("decision: KEPT the active model - the new one is worse on the held-out split")
    return 0


async def _eval(args: argparse.Namespace, settings: Settings, cfg: TriageSettings) -> int:
    from hub.db import engine as db
    from plugins.triage.retraining import figures
    from plugins.triage.training import evaluate, read_corpus, split_corpus

    async with db.database(settings.database_url, settings.database_path):
        path, origin = await models_store.resolve(cfg)
    if not path.is_file():
        raise SettingsError(f"model file {path} not found")
    model, _ = models_store.load_cached(path)
    meta = model.metadata
    print(f"active model: {meta.version} ({origin}, {path})")
    print(f"trained {meta.created_at} on {meta.n_train} tickets + {meta.n_extra} corrections")
    print(f"source: {meta.source}; licence: {meta.licence}")
    report = meta.heldout
    if args.recompute:
        texts, labels = read_corpus(corpus_file(args.corpus or cfg.corpus_path))
        _, test_x, _, test_y = split_corpus(texts, labels, args.seed, args.max_rows)
        report = evaluate(model, test_x, test_y, split=f"recomputed, seed {args.seed}")
    print(figures(report, names=(meta.version, "")))
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``atlas-hub triage``."""
    try:
        settings, cfg = _load(args)
        configure_logging(settings.log_format, "warning")
        action = _retrain if args.triage_cmd == "retrain" else _eval
        if args.max_rows is not None and args.max_rows < 100:
            raise SettingsError("--max-rows: at least 100 rows")
        return asyncio.run(action(args, settings, cfg))
    except (SettingsError, ValueError) as exc:
        print(f"atlas-hub triage: {exc}", file=sys.stderr)
        return 2


COMMAND = Command(
    name="triage",
    help="triage model: retrain from corpus + corrections, or show the active model's figures",
    configure=configure,
    run=run,
)
