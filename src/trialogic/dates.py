"""Calendar arithmetic for windows: days and weeks exact, months and years by the calendar."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache

# Reference dates trialogic accepts: windows reach years before one, repairs years after.
EARLIEST_REFERENCE = dt.date(1900, 1, 1)
LATEST_REFERENCE = dt.date(2999, 12, 31)


def reference_date(value: object, write: str) -> dt.date:
    """A reference date as given (a date, or text YYYY-MM-DD) within the range trialogic
    handles; else ValueError with the message, `write` saying how to write one.

    >>> reference_date("2026-11-22", "YYYY-MM-DD")
    datetime.date(2026, 11, 22)
    """
    if isinstance(value, dt.date):
        date = value
    else:
        try:
            date = iso_date(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write {write}") from None
    problem = reference_problem(date)
    if problem:
        raise ValueError(problem)
    return date


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_FIRST = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*")
_YEAR_LAST = re.compile(r"\s*(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\s*")


def written_as_iso(text: str) -> str:
    """How to write a date given in another common form: `; write YYYY-MM-DD: 1990-05-01` for
    1990/05/01, 2026-11-1 or 01.05.1990 (dots: day first); for 05/04/2026, where the day may
    come first or the month, both readings; else `; write YYYY-MM-DD, e.g. 2026-11-22`.

    >>> written_as_iso("1990/5/1"), written_as_iso("13/04/2026"), written_as_iso("05/04/2026")
    ('; write YYYY-MM-DD: 1990-05-01', '; write YYYY-MM-DD: 2026-04-13', '; write YYYY-MM-DD: 2026-04-05 or 2026-05-04, whichever is meant')
    """
    readings: list[tuple[int, int, int]] = []
    if match := _YEAR_FIRST.fullmatch(text):
        readings = [(int(match[1]), int(match[2]), int(match[3]))]
    elif match := _YEAR_LAST.fullmatch(text):
        first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
        readings = [(year, second, first)] if separator == "." else [(year, second, first), (year, first, second)]
    dates = sorted({date for reading in readings if (date := _real(*reading)) is not None})
    if dates:
        shown = " or ".join(d.isoformat() for d in dates)
        return f"; write YYYY-MM-DD: {shown}" + (", whichever is meant" if len(dates) > 1 else "")
    return "; write YYYY-MM-DD, e.g. 2026-11-22"


def _real(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=2**14)
def iso_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD, else ValueError (Python 3.11's fromisoformat alone would
    also read 20261122 and 2026-W47, and earlier versions would not).

    A cohort's records repeat the same few thousand dates, so each text is read once and
    kept (a date is immutable; a refused text raises each time, as exceptions are not kept).

    >>> iso_date("2026-11-22")
    datetime.date(2026, 11, 22)
    """
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not written YYYY-MM-DD")
    return dt.date.fromisoformat(text)


def reference_problem(date: dt.date) -> str | None:
    """What is wrong with a reference date, or None.

    >>> reference_problem(dt.date(1, 1, 1))
    '0001-01-01 is outside the reference dates trialogic handles, 1900-01-01 to 2999-12-31'
    """
    if EARLIEST_REFERENCE <= date <= LATEST_REFERENCE:
        return None
    return (
        f"{date.isoformat()} is outside the reference dates trialogic handles, "
        f"{EARLIEST_REFERENCE.isoformat()} to {LATEST_REFERENCE.isoformat()}"
    )


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` earlier (later, for a negative number), clamped to
    that month's last day.

    >>> months_before(dt.date(2026, 5, 31), 3)
    datetime.date(2026, 2, 28)
    """
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def window_start(reference: dt.date, count: int, unit: str) -> dt.date:
    """First day of the window `within COUNT UNIT` ending on `reference` (both ends included)."""
    if unit == "days":
        return reference - dt.timedelta(days=count)
    if unit == "weeks":
        return reference - dt.timedelta(weeks=count)
    if unit == "months":
        return months_before(reference, count)
    if unit == "years":
        return months_before(reference, 12 * count)
    raise ValueError(f"unknown window unit {unit!r}")


def days_text(days: int) -> str:
    """A number of days in words.

    >>> days_text(1), days_text(12)
    ('1 day', '12 days')
    """
    return f"{days} day{'s' * (days != 1)}"


def span_text(start: dt.date, end: dt.date) -> str:
    """The days from `start` to `end` in words, and, from a year on, as years, months and days
    by the calendar (a month is completed on the same day of the month, as ages are).

    >>> span_text(dt.date(2026, 11, 22), dt.date(2027, 2, 15))
    '85 days'
    >>> span_text(dt.date(2026, 11, 22), dt.date(2028, 4, 11))
    '506 days: 1 year, 4 months and 20 days'
    >>> span_text(dt.date(2026, 1, 31), dt.date(2027, 3, 1))
    '394 days: 1 year, 1 month and 1 day'
    >>> span_text(dt.date(2026, 11, 22), dt.date(2092, 11, 22))
    '24107 days: 66 years'
    """
    days = (end - start).days
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    if months < 12:
        return days_text(days)
    rest = (end - months_before(start, -months)).days
    parts = [f"{months // 12} year{'s' * (months // 12 != 1)}"]
    if months % 12:
        parts.append(f"{months % 12} month{'s' * (months % 12 != 1)}")
    if rest:
        parts.append(days_text(rest))
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"{days_text(days)}: {joined}"


def before_text(date: dt.date, reference: dt.date) -> str:
    """How long before the reference date a day is, in words.

    >>> before_text(dt.date(2026, 11, 21), dt.date(2026, 11, 22))
    '1 day before 2026-11-22'
    >>> before_text(dt.date(2026, 11, 22), dt.date(2026, 11, 22))
    'the reference date'
    """
    days = (reference - date).days
    if days == 0:
        return "the reference date"
    return f"{days_text(abs(days))} {'before' if days > 0 else 'after'} {reference}"
