"""Priority suggestion: a transparent cue-phrase score with SLA-tier, VIP and alert floors.

The ticket corpus has no priority labels, so this is a documented scoring model rather than a
learnt one. Each cue phrase found in the text adds its weight to an impact/urgency score;
a negated cue ("not urgent", "no rush") subtracts. The score maps to a priority, and then
floors apply: the customer's SLA tier minimum, the VIP floor and the alert severity can only
raise the result, never lower it.
"""

from __future__ import annotations

import re

import msgspec

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "critical")
RANK = {p: i for i, p in enumerate(PRIORITIES)}

# (phrase, weight). Weights add up; thresholds below turn the sum into a priority.
CUES: tuple[tuple[str, int], ...] = (
    # security incidents are critical on their own
    ("ransomware", 6),
    ("security incident", 6),
    ("data breach", 6),
    ("breach", 4),
    ("hacked", 5),
    ("compromised", 4),
    ("phishing", 3),
    ("virus", 3),
    ("malware", 4),
    # outages
    ("outage", 4),
    ("server down", 4),
    ("site down", 4),
    ("is down", 3),
    ("went down", 3),
    ("not responding", 2),
    ("offline", 2),
    ("crashed", 2),
    # breadth of impact
    ("all users", 3),
    ("everyone", 2),
    ("whole office", 3),
    ("entire office", 3),
    ("whole company", 3),
    ("many users", 2),
    ("nobody can", 3),
    ("no one can", 3),
    # ability to work
    ("cannot work", 2),
    ("can't work", 2),
    ("unable to work", 2),
    ("production stopped", 3),
    ("blocked", 1),
    # time pressure
    ("urgent", 2),
    ("asap", 2),
    ("immediately", 2),
    ("emergency", 3),
    ("deadline", 1),
    ("today", 1),
    ("critical", 2),
    # low-urgency signals
    ("when you have time", -2),
    ("no rush", -2),
    ("whenever convenient", -2),
    ("low priority", -2),
    ("feature request", -1),
    ("nice to have", -2),
)
NEGATIONS = ("not", "no", "isn't", "isnt", "non", "never")
HIGH_AT = 3
CRITICAL_AT = 6
LOW_AT = -2
VIP_FLOOR = "high"
# Monitoring alert severities -> the priority they imply at least.
ALERT_FLOORS = {
    "critical": "critical",
    "fatal": "critical",
    "emergency": "critical",
    "major": "high",
    "high": "high",
    "error": "high",
    "warning": "normal",
    "minor": "normal",
    "info": "low",
    "informational": "low",
}

#: longest first, so a phrase inside a longer one already found can be skipped
_COMPILED = tuple(
    sorted(
        (
            (phrase, weight, re.compile(r"(?<![\w'])" + re.escape(phrase) + r"(?![\w'])"))
            for phrase, weight in CUES
        ),
        key=lambda c: -len(c[0]),
    )
)
#: the two words before a cue fit in this many characters (longer ones are not negations)
_NEGATION_WINDOW = 80


class PriorityContext(msgspec.Struct, frozen=True):
    """What we know besides the text: SLA tier, VIP contact, alert severity."""

    tier_name: str | None = None
    tier_floor: str | None = None  # minimum priority the SLA tier promises, e.g. "high"
    vip: bool = False
    alert_severity: str | None = None


class PrioritySuggestion(msgspec.Struct, frozen=True):
    """A suggested priority with a confidence and the reasons in words."""

    priority: str
    confidence: float
    reasons: list[str]
    score: int = 0


def _negated(text: str, start: int) -> bool:
    """True when one of the two words before ``start`` negates the cue ("not urgent")."""
    low = max(0, start - _NEGATION_WINDOW)
    words = text[low:start].split()
    if low > 0 and words and not text[low - 1].isspace() and not text[low].isspace():
        words = words[1:]  # the window cut a word in two: its tail is not a word
    before = words[-2:]
    return any(w in NEGATIONS for w in before)


def cue_hits(text: str) -> list[tuple[str, int]]:
    """Return ``(phrase, signed weight)`` for each cue found in ``text``.

    A cue preceded by a negation counts against urgency instead ("not urgent" lowers).
    A shorter cue inside a longer one already found ("breach" in "data breach") is skipped.
    """
    lowered = " ".join(text.lower().split())
    hits: list[tuple[str, int]] = []
    taken: list[tuple[int, int]] = []
    for phrase, weight, pattern in _COMPILED:
        if phrase not in lowered:
            continue  # a plain substring test rules out most cues cheaply
        for match in pattern.finditer(lowered):
            span = match.span()
            if any(a <= span[0] and span[1] <= b for a, b in taken):
                continue
            taken.append(span)
            signed = -abs(weight) if weight > 0 and _negated(lowered, span[0]) else weight
            hits.append((("not " if signed < 0 < weight else "") + phrase, signed))
            break  # a phrase counts once however often it is repeated
    return hits


def _from_score(score: int) -> str:
    if score >= CRITICAL_AT:
        return "critical"
    if score >= HIGH_AT:
        return "high"
    if score <= LOW_AT:
        return "low"
    return "normal"


def _quoted(phrases: list[str]) -> str:
    quoted = [f"'{p}'" for p in phrases]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def suggest_priority(text: str, context: PriorityContext | None = None) -> PrioritySuggestion:
    """Suggest ``critical``/``high``/``normal``/``low`` for a ticket's subject and body text.

    The text score decides first; then the SLA tier floor, the VIP floor (``high``) and the
    alert severity floor raise the priority if it is below them; nothing lowers it below a
    floor. Confidence grows with the evidence: more and stronger cues, or a floor that decided.
    """
    context = context or PriorityContext()
    hits = cue_hits(text)
    score = sum(w for _, w in hits)
    priority = _from_score(score)
    reasons: list[str] = []
    raising = [p for p, w in hits if w > 0]
    lowering = [p for p, w in hits if w < 0]
    if raising:
        reasons.append(f"mentions {_quoted(raising)}")
    if lowering:
        reasons.append(f"says {_quoted(lowering)}")
    if not hits:
        reasons.append("no urgency or impact cues in the text")
    confidence = min(0.95, 0.5 + 0.08 * sum(abs(w) for _, w in hits)) if hits else 0.5

    floors: list[tuple[str, str]] = []
    if context.tier_floor:
        if context.tier_floor not in RANK:
            raise ValueError(f"unknown tier floor priority: {context.tier_floor!r}")
        tier = context.tier_name or "SLA"
        floors.append((context.tier_floor, f"customer tier {tier} sets floor {context.tier_floor}"))
    if context.vip:
        floors.append((VIP_FLOOR, f"VIP contact sets floor {VIP_FLOOR}"))
    if context.alert_severity:
        severity = context.alert_severity.lower()
        alert_floor = ALERT_FLOORS.get(severity)
        if alert_floor:
            floors.append((alert_floor, f"alert severity {severity} sets floor {alert_floor}"))
    for floor, why in floors:
        if RANK[floor] > RANK[priority]:
            priority = floor
            confidence = max(confidence, 0.9)
            reasons.append(why)
        elif RANK[floor] == RANK[priority]:
            reasons.append(why)
    return PrioritySuggestion(
        priority=priority, confidence=round(confidence, 2), reasons=reasons, score=score
    )
