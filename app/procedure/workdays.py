"""The calendar of the statutory clocks: working days on the State Council's holiday schedule, from
the `chinese-calendar` package (public holidays are not working days, 调休 weekends are), and the two
ways a period in 日 is counted.

- `calendar` (the default; 民法典 Art. 201, 203): the period starts the day after its event and runs
  in calendar days; when its last day is a statutory holiday or a rest day it ends on the first
  working day after (a 调休 weekend is a working day, so a period may end on it).
- `workdays` (工作日, for a province whose rules count so, as the 2012 rules did): only working days
  are counted, from the first working day after the event.

Extra holidays (a local holiday, a day the package does not know yet) and extra working days come
from configuration. A year the package does not cover falls back to Monday–Friday and is reported by
`unknown_years` so the console can warn the admin. Art. 44's "7 日" to a limitation date is plain
calendar days and does not come through here."""
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
        self.periods = Periods(self)

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


CALENDAR, WORKDAYS = "calendar", "workdays"
RULES = (CALENDAR, WORKDAYS)
RULE_LABELS = {CALENDAR: "日（按民法典第二百零一条、第二百零三条计算，期间最后一日为法定休假日的顺延至其后第一个工作日）",
               WORKDAYS: "工作日（按国务院节假日安排，调休上班日计入）"}
# the clocks whose rule is configuration: Art. 43 review and assignment, the supplement notice's due
# date, Art. 49 the bureau's decision, the province's objection period
CLOCKS = ("review", "assign", "supplement", "objection_decide", "objection_period")


class Periods:
    """A period of n 日 after an event, counted by a rule (`calendar` | `workdays`) on a Calendar."""

    def __init__(self, cal: "Calendar"):
        self.cal = cal

    def add_days(self, event: dt.date, n: int) -> dt.date:
        """民法典 Art. 201 + 203: the n-th calendar day after `event`, moved to the first working day after
        it when it is a statutory holiday or a rest day."""
        if n < 1:
            raise ValueError("n must be at least 1")
        last = event + dt.timedelta(days=n)
        while not self.cal.is_workday(last):
            last += dt.timedelta(days=1)
        return last

    def due(self, rule: str, event: dt.date, n: int) -> dt.date:
        if rule == WORKDAYS:
            return self.cal.add_workdays(event, n)
        if rule == CALENDAR:
            return self.add_days(event, n)
        raise ValueError(f"unknown clock rule {rule!r}")

    def counted(self, rule: str, start: dt.date, end: dt.date) -> int:
        """Days of a period counted after `start` up to and including `end` (0 when end <= start)."""
        if end <= start:
            return 0
        if rule == WORKDAYS:
            return self.cal.workdays_between(start, end)
        return (end - start).days

    def days_left(self, rule: str, today: dt.date, due: dt.date) -> int:
        """Days still left after today up to and including the due day (0 on the due day; negative when
        overdue, counted in calendar days)."""
        if due < today:
            return -(today - due).days
        return self.counted(rule, today, due)

    def used_before(self, rule: str, start: dt.date, paused_on: dt.date) -> int:
        """Days of a period that started after `start` used before the day it was paused (the day of the
        pause itself is the applicant's, not the centre's)."""
        return self.counted(rule, start, paused_on - dt.timedelta(days=1))

    def resumed_due(self, rule: str, resumed_on: dt.date, left: int) -> dt.date:
        """The due date of a period resumed on `resumed_on` (counting again the day after) with `left` days
        still to run; with nothing left it is due the day it resumes."""
        if left <= 0:
            return resumed_on
        return self.due(rule, resumed_on, left)


def rule_for(config, clock: str) -> str:
    """The configured rule of a clock: CLOCK_RULES[clock], else CLOCK_RULE, else `calendar`."""
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}")
    rule = (config.get("CLOCK_RULES") or {}).get(clock) or config.get("CLOCK_RULE") or CALENDAR
    if rule not in RULES:
        raise ValueError(f"CLOCK_RULE for {clock} must be one of {RULES}, not {rule!r}")
    return rule


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
