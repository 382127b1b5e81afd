"""The compiled calendar: open intervals as UTC microseconds with running business-time sums.

Times are integer microseconds since the Unix epoch (UTC), so adding and measuring are exact.
Opening hours are expanded per local date into UTC intervals (which is where DST is handled:
a local 09:00-17:00 day is 8 real hours on any date, a 00:00-24:00 day is 23 or 25 hours on
the change days). Intervals of whole local years are built on first use and kept, with a
running sum, so "business time before t" and its inverse are a bisect each.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import msgspec

from hub.sla.calendars import BusinessCalendar, CalendarError, weekly_minutes

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_SECOND = 1_000_000
_ONE_US = timedelta(microseconds=1)
# Years that both ends of a local year stay representable as datetimes in every zone.
_MIN_YEAR = 2
_MAX_YEAR = 9998
# Due times further out than this are refused rather than built year by year.
_MAX_INDEX_YEARS = 200
# A calendar whose weekly hours are all eaten by explicit holidays for this long is unusable.
_MAX_EMPTY_YEARS = 50


def to_us(moment: datetime) -> int:
    """Exact UTC microseconds since the epoch of an aware datetime (naive ones are refused)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: SLA times must be timezone-aware")
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(micros: int) -> datetime:
    """The UTC datetime of epoch microseconds."""
    return EPOCH + timedelta(microseconds=micros)


class _Index(msgspec.Struct, frozen=True):
    """Open intervals of local years first_year..last_year, merged where they touch."""

    first_year: int
    last_year: int
    lo: int  # local midnight starting first_year, UTC us
    hi: int  # local midnight after last_year, UTC us
    starts: list[int]
    ends: list[int]
    cum_start: list[int]  # business us before starts[i], anchored at the calendar's origin
    cum_end: list[int]


class CompiledCalendar:
    """Fast queries over one :class:`BusinessCalendar`.

    Business-time values returned by :meth:`business_before` are relative to a fixed origin of
    this object; only differences between them mean something.
    """

    __slots__ = (
        "_build_lock",
        "_closed",
        "_index",
        "_origin",
        "_raw",
        "_week",
        "always_open",
        "calendar",
        "name",
        "tz",
    )

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.name = calendar.name
        self.always_open = calendar.always_open
        self.tz = ZoneInfo(calendar.timezone)
        self._week = weekly_minutes(calendar.weekly) if not calendar.always_open else ()
        closed = set(calendar.holidays)
        for rule in calendar.holiday_rules:
            closed |= rule.dates()
        self._closed = frozenset(closed)
        self._raw: dict[int, list[tuple[int, int]]] = {}
        self._origin: int | None = None
        self._index: _Index | None = None
        self._build_lock = threading.Lock()

    # -- per-date expansion -------------------------------------------------------------
    def open_intervals_on(self, day: date) -> list[tuple[int, int]]:
        """Open intervals of a local date as UTC microsecond pairs (empty when closed)."""
        if self.always_open:
            return [(self._local_us(day, 0), self._local_us(day, 24 * 60))]
        if day in self._closed:
            return []
        spans = []
        for start_min, end_min in self._week[day.weekday()]:
            start, end = self._local_us(day, start_min), self._local_us(day, end_min)
            # An interval wholly inside a spring-forward gap is empty that day.
            if end > start:
                spans.append((start, end))
        return spans

    def _local_us(self, day: date, minutes: int) -> int:
        """UTC microseconds of a wall-clock time on a local date.

        An ambiguous time (the repeated autumn hour) is its first occurrence, so 02:00-03:00
        on that day lasts two real hours. A time that does not exist (the skipped spring hour)
        is the moment the clocks jump: the first instant the wall clock shows a later time.
        This keeps the mapping monotonic, so a day's intervals never overlap in UTC.
        """
        wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
        micros = to_us(wall.replace(tzinfo=self.tz))
        if from_us(micros).astimezone(self.tz).replace(tzinfo=None) == wall:
            return micros
        return self._gap_end(wall)

    def _gap_end(self, wall: datetime) -> int:
        # Inside a gap, fold=1 applies the later (larger) offset and lands before the jump,
        # fold=0 the earlier one and lands after it: bisect the jump in whole seconds.
        before = to_us(wall.replace(tzinfo=self.tz, fold=1)) // US_PER_SECOND
        after = to_us(wall.replace(tzinfo=self.tz, fold=0)) // US_PER_SECOND
        offset_after = from_us(after * US_PER_SECOND).astimezone(self.tz).utcoffset()
        while after - before > 1:
            middle = (before + after) // 2
            if from_us(middle * US_PER_SECOND).astimezone(self.tz).utcoffset() == offset_after:
                after = middle
            else:
                before = middle
        return after * US_PER_SECOND

    def _year_intervals(self, year: int) -> list[tuple[int, int]]:
        spans = self._raw.get(year)
        if spans is None:
            spans = []
            day, last = date(year, 1, 1), date(year, 12, 31)
            while day <= last:
                spans.extend(self.open_intervals_on(day))
                day += timedelta(days=1)
            self._raw[year] = spans
        return spans

    # -- index maintenance --------------------------------------------------------------
    def _covering(self, micros: int) -> _Index:
        index = self._index
        if index is not None and index.lo <= micros < index.hi:
            return index
        return self._extend_to(micros)

    def _extend_to(self, micros: int) -> _Index:
        with self._build_lock:
            index = self._index
            if index is not None and index.lo <= micros < index.hi:
                return index
            # The local year of an instant is its UTC year or a neighbour.
            try:
                year = from_us(micros).year
            except OverflowError:
                year = _MIN_YEAR if micros < 0 else _MAX_YEAR
            first, last = year - 1, year + 1
            if index is not None:
                first, last = min(first, index.first_year), max(last, index.last_year)
            return self._rebuild(first, last)

    def _rebuild(self, first: int, last: int) -> _Index:
        first, last = max(first, _MIN_YEAR), min(last, _MAX_YEAR)
        if self.always_open:
            raise AssertionError("24x7 calendars are never indexed")
        empty_years = 0
        while True:
            merged: list[list[int]] = []
            for year in range(first, last + 1):
                for start, end in self._year_intervals(year):
                    if merged and merged[-1][1] == start:
                        merged[-1][1] = end
                    else:
                        merged.append([start, end])
            if merged:
                break
            # Every day closed (holidays everywhere): look further ahead, but not forever.
            empty_years += last - first + 1
            if empty_years > _MAX_EMPTY_YEARS or last >= _MAX_YEAR:
                raise CalendarError(f"calendar {self.name!r} has no open hours near {first}")
            last += 1
        lo = self._local_us(date(first, 1, 1), 0)
        hi = self._local_us(date(last, 12, 31), 24 * 60)
        starts = [span[0] for span in merged]
        ends = [span[1] for span in merged]
        cum_start, cum_end, running = [], [], 0
        for start, end in merged:
            cum_start.append(running)
            running += end - start
            cum_end.append(running)
        # Re-anchor so values handed out before this rebuild keep their meaning.
        if self._origin is None:
            self._origin = lo
        shift = _before(starts, ends, cum_start, cum_end, self._origin)
        cum_start = [value - shift for value in cum_start]
        cum_end = [value - shift for value in cum_end]
        index = _Index(first, last, lo, hi, starts, ends, cum_start, cum_end)
        self._index = index
        return index

    # -- queries ------------------------------------------------------------------------
    def business_before(self, micros: int) -> int:
        """Business microseconds from the origin to ``micros`` (negative before the origin)."""
        if self.always_open:
            return micros
        index = self._covering(micros)
        return _before(index.starts, index.ends, index.cum_start, index.cum_end, micros)

    def instant_at(self, business: int) -> int:
        """The earliest instant whose :meth:`business_before` equals ``business``.

        For a value reached inside an open interval this is inside it; for one reached at the
        end of an interval it is that end, never the start of the next one.
        """
        if self.always_open:
            return business
        index = self._index
        if index is None:
            raise ValueError("instant_at needs a value from business_before of this calendar")
        while business > index.cum_end[-1]:
            span = index.last_year - index.first_year + 1
            if index.last_year >= _MAX_YEAR or span >= _MAX_INDEX_YEARS:
                raise ValueError(
                    f"the due time falls more than {_MAX_INDEX_YEARS} years out"
                    f" on calendar {self.name!r}"
                )
            # Double the range: very long durations then cost few rebuilds.
            with self._build_lock:
                index = self._rebuild(index.first_year, index.last_year + span)
        i = bisect_left(index.cum_end, business)
        if i == 0 and business < index.cum_start[0]:
            raise ValueError("business time before the indexed range")
        return index.starts[i] + (business - index.cum_start[i])

    def open_between(self, start: int, end: int) -> list[tuple[int, int]]:
        """The open intervals clipped to [start, end), in order, as UTC microsecond pairs."""
        if end <= start:
            return []
        if self.always_open:
            return [(start, end)]
        self._covering(start)
        index = self._covering(end - 1)
        starts, ends = index.starts, index.ends
        i = bisect_right(ends, start)
        spans = []
        while i < len(starts) and starts[i] < end:
            spans.append((max(starts[i], start), min(ends[i], end)))
            i += 1
        return spans

    def is_open(self, micros: int) -> bool:
        """Whether the instant is inside an open interval (starts inclusive, ends exclusive)."""
        if self.always_open:
            return True
        index = self._covering(micros)
        i = bisect_right(index.starts, micros) - 1
        return i >= 0 and micros < index.ends[i]


def _before(
    starts: list[int], ends: list[int], cum_start: list[int], cum_end: list[int], micros: int
) -> int:
    i = bisect_right(starts, micros) - 1
    if i < 0:
        return cum_start[0]
    if micros >= ends[i]:
        return cum_end[i]
    return cum_start[i] + (micros - starts[i])


def compile_calendar(calendar: BusinessCalendar | CompiledCalendar) -> CompiledCalendar:
    """The compiled form of ``calendar``, cached by content (a compiled one is returned as is).

    Equal calendars share one compiled object and its built years, so callers may pass the
    declarative form everywhere; a hot loop can keep the compiled object instead.
    """
    if isinstance(calendar, CompiledCalendar):
        return calendar
    # Calendars are frozen, so the same object always compiles the same: skip encoding it.
    known = _BY_IDENTITY.get(id(calendar))
    if known is not None and known[0] is calendar:
        return known[1]
    compiled = _compile_cached(msgspec.json.encode(calendar))
    if len(_BY_IDENTITY) >= _IDENTITY_SLOTS:
        _BY_IDENTITY.clear()
    # Holding the calendar keeps its id from being reused by another object.
    _BY_IDENTITY[id(calendar)] = (calendar, compiled)
    return compiled


_IDENTITY_SLOTS = 1024
_BY_IDENTITY: dict[int, tuple[BusinessCalendar, CompiledCalendar]] = {}


@lru_cache(maxsize=512)
def _compile_cached(encoded: bytes) -> CompiledCalendar:
    return CompiledCalendar(msgspec.json.decode(encoded, type=BusinessCalendar))
