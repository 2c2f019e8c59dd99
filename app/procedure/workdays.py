"""Working days (工作日) on the State Council's holiday schedule, from the `chinese-calendar`
package: public holidays are not working days, 调休 weekends are. Extra holidays (a local
holiday, a day the package does not know yet) come from configuration. A year the package does
not cover falls back to Monday–Friday and is reported by `unknown_years` so the console can warn
the admin.

A period counted in working days starts the day after its event (民法典 Art. 201): the first
counted day is the first working day after the event's date."""
from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar


@functools.cache
def _known_years() -> frozenset[int]:
    # the package raises NotImplementedError for a year it has no data for
    years = set()
    for year in range(2000, 2100):
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


def year_known(year: int) -> bool:
    return year in _known_years()


@functools.lru_cache(maxsize=8192)
def _package_workday(day: dt.date) -> bool:
    # the package's lookup validates the date on every call; the application detail asks for a few
    # dozen days on every poll (measured: it was half of the detail's time)
    return chinese_calendar.is_workday(day)


class Calendar:
    """Working-day arithmetic with extra holidays and extra working days from configuration."""

    def __init__(self, extra_holidays=(), extra_workdays=()):
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.fallback_used: set[int] = set()
        self._memo: dict[tuple, object] = {}  # (operation, date, date | n) → answer: a few hundred a day at most

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        if year_known(day.year):
            return _package_workday(day)
        self.fallback_used.add(day.year)
        return day.weekday() < 5

    def _remember(self, key: tuple, value):
        if len(self._memo) > 20_000:
            self._memo.clear()
        self._memo[key] = value
        return value

    def add_workdays(self, event: dt.date, n: int) -> dt.date:
        """The n-th working day after `event` (the event's own day never counts)."""
        if n < 1:
            raise ValueError("n must be at least 1")
        found = self._memo.get(("add", event, n))
        if found is not None:
            return found
        day, counted = event, 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return self._remember(("add", event, n), day)

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        found = self._memo.get(("between", start, end))
        if found is not None:
            return found
        day, counted = start, 0
        while day < end:
            day += dt.timedelta(days=1)
            counted += int(self.is_workday(day))
        return self._remember(("between", start, end), counted)


def parse_dates(text: str | None) -> list[dt.date]:
    """'2026-05-06,2026-05-07' → dates (configuration of extra holidays / working days)."""
    out = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if part:
            out.append(dt.date.fromisoformat(part))
    return out


def from_config(config) -> Calendar:
    return Calendar(config.get("EXTRA_HOLIDAYS") or (), config.get("EXTRA_WORKDAYS") or ())


def unknown_years(years) -> list[int]:
    """Of `years`, those the package has no schedule for (Monday–Friday fallback applies)."""
    return sorted(y for y in set(years) if not year_known(y))
