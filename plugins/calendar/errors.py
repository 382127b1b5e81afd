"""Errors of the calendar modules; all are `ValueError`s the API maps to a 4xx answer."""


class CalendarError(ValueError):
    """An event, rule, rotation or query that cannot be used; the message says why."""


class RecurrenceRuleError(CalendarError):
    """The RRULE text is not a valid RFC 5545 recurrence rule."""
