"""Turn a live email into text shaped like the ticket corpus the category model learnt from.

The training corpus (Kaggle "IT Service Ticket Classification", file
``all_tickets_processed_improved_v3.csv``) stores each ticket as one lower-case string:
the subject's words first, with every word kept, then the body's words with a corpus-specific
stop list removed. Measured on the corpus itself (words in the first ten tokens, the subject,
against the rest, the body):

* only the letters ``a``-``z`` and spaces survive: digits, punctuation, e-mail addresses and
  URLs are gone ("5th floor" became "th floor");
* one-letter words are gone everywhere except the subject's "a";
* the body loses the usual function words ("the", "and", "to", "is", "not", "on", ...) but
  keeps others ("for", "with", "you", "have", "can", ...);
* the body also loses a set of frequent domain words ("new", "account", "project", "windows",
  "outlook", "network", ...) and a few anonymised names that only survive in subjects.

:data:`BODY_STOP_WORDS` lists the body words to drop: words seen at least 15 times in subjects
but fewer than 8 % as often in bodies, plus common English stop words that never occur in the
corpus at all. :func:`derive_body_stop_words` recomputes the measured part from a corpus so a
test can check the list still matches the data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Stop words never seen anywhere in the corpus: the original cleaning dropped them from subject
# and body alike, so we drop them from both too.
ALWAYS_DROPPED: frozenset[str] = frozenset(
    """
    i my an in so will just don ve ain aren couldn didn doesn hadn hasn isn ma mightn mustn
    needn shan shouldn wasn weren wouldn see may first many three six else eleven fifteen
    fifty forty sixty eg inc ltd
    """.split()
)

# Measured with derive_body_stop_words() on the corpus (subject count >= 15, body < 8 % of it).
MEASURED_BODY_STOP_WORDS: frozenset[str] = frozenset(
    """
    to new oracle project on the not and account time pas from of service a windows com
    outlook is missing now team network bucharest mail all as no internal admin management
    it staff ms notifications people delivery expenses security system at local audit edit
    me are development net reporting day its managers us services hr read exchange de ram hp
    md pop paper capacity quarantine this live procurement systems cc box ion cloud travel
    desk tudor florin scan technology accounting java maxim do lazar recipients deployment
    smith who reception invoices turners mantis purchasing milos implementation pascal
    """.split()
)

BODY_STOP_WORDS: frozenset[str] = ALWAYS_DROPPED | MEASURED_BODY_STOP_WORDS

# Reply/forward markers are threading noise, not content; corpus subjects rarely carry them.
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_EMAIL = re.compile(r"\S+@\S+")
_WORD = re.compile(r"[a-z]+")

# The model reads only a ticket's first 200 words (category_model.MAX_WORDS); capping here too
# keeps preprocessing time bounded for pasted logs. Raw text is cut first so a multi-megabyte
# body never reaches the regular expressions.
MAX_BODY_WORDS = 200
MAX_BODY_CHARS = 5_000


def _ascii_words(text: str) -> list[str]:
    """Lower-case ``text``, fold accents to ASCII and return its runs of letters."""
    text = _EMAIL.sub(" ", _URL.sub(" ", text))
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(folded.lower())


def subject_words(subject: str) -> list[str]:
    """Words of a subject as the corpus keeps them: all words but one-letter ones (bar "a")."""
    subject = _SUBJECT_PREFIX.sub("", subject)
    return [
        w for w in _ascii_words(subject) if (len(w) > 1 or w == "a") and w not in ALWAYS_DROPPED
    ]


def body_words(body: str) -> list[str]:
    """Words of a body as the corpus keeps them: two letters or more, stop words removed."""
    words = [
        w for w in _ascii_words(body[:MAX_BODY_CHARS]) if len(w) > 1 and w not in BODY_STOP_WORDS
    ]
    return words[:MAX_BODY_WORDS]


def preprocess(subject: str, body: str) -> str:
    """Return ``subject`` + ``body`` as one string shaped like the corpus's ``Document`` column.

    Pure and deterministic: lower-cased ASCII letters only, subject words first (stop words
    kept, as in the corpus), then body words with :data:`BODY_STOP_WORDS` removed, joined by
    single spaces. E-mail addresses, URLs, digits and punctuation are dropped.

    >>> preprocess("RE: Laptop screen broken!", "Hi, my laptop's screen is broken. Thanks")
    'laptop screen broken hi laptop screen broken thanks'
    """
    return " ".join(subject_words(subject) + body_words(body))


def derive_body_stop_words(
    documents: Iterable[str],
    subject_len: int = 10,
    min_subject_count: int = 15,
    max_body_ratio: float = 0.08,
) -> set[str]:
    """Measure which words the corpus keeps in subjects but drops from bodies.

    Treats the first ``subject_len`` tokens of each document as its subject and the rest as
    its body, and returns the words seen at least ``min_subject_count`` times in subjects but
    less than ``max_body_ratio`` times as often in bodies.
    """
    head: Counter[str] = Counter()
    tail: Counter[str] = Counter()
    for doc in documents:
        tokens = doc.split()
        head.update(tokens[:subject_len])
        tail.update(tokens[subject_len:])
    return {w for w, n in head.items() if n >= min_subject_count and tail[w] < max_body_ratio * n}
