"""preprocess(): live email -> corpus-shaped text."""

from __future__ import annotations

from pathlib import Path

from plugins.triage.preprocess import (
    MEASURED_BODY_STOP_WORDS,
    derive_body_stop_words,
    preprocess,
)
from plugins.triage.training import read_corpus


def test_subject_keeps_stop_words_body_drops_them() -> None:
    out = preprocess("Printer is not working on the 5th floor", "The printer is not working.")
    assert out == "printer is not working on the th floor printer working"


def test_reply_prefix_urls_emails_digits_and_accents_removed() -> None:
    out = preprocess(
        "RE: Fwd: Café access",
        "Hi, see https://portal.example.com/x?id=42 or mail jane.doe@example.com; ticket 1234.",
    )
    assert out == "cafe access hi or ticket"  # "see", "mail" are corpus stop words


def test_output_alphabet_matches_corpus() -> None:
    out = preprocess("ÜBER-urgent!!! 100% down", "Läuft nicht; call +44 20 7946 0000 now")
    assert set(out) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert "  " not in out and out == out.strip()


def test_empty_input_gives_empty_text() -> None:
    assert preprocess("", "") == ""


def test_body_is_capped() -> None:
    out = preprocess("", "word " * 5000)
    assert len(out.split()) == 200


def test_shipped_stop_list_matches_the_corpus(tickets_csv: Path) -> None:
    texts, _ = read_corpus(tickets_csv)
    assert derive_body_stop_words(texts) == set(MEASURED_BODY_STOP_WORDS)
