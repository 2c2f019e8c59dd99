"""How a period in 日 is counted (民法典 Art. 201, 203) and the `workdays` rule a province may choose,
pinned with literal dates on the State Council's 2025 and 2026 schedules (checked against
chinese-calendar: National Day 2025-10-01..08 are holidays, Sun 09-28 and Sat 10-11 are 调休 working
days)."""
from __future__ import annotations

import datetime as dt

import pytest

from app.procedure.workdays import CALENDAR, WORKDAYS, Calendar, rule_for

D = dt.date


@pytest.fixture
def periods():
    return Calendar().periods


def test_the_schedule_the_examples_rely_on():
    cal = Calendar()
    assert not cal.is_workday(D(2025, 10, 1)) and not cal.is_workday(D(2025, 10, 8))
    assert cal.is_workday(D(2025, 9, 28)) and cal.is_workday(D(2025, 10, 11))  # 调休 Sunday, Saturday
    assert cal.is_workday(D(2025, 10, 9))


def test_review_submitted_friday_before_national_day(periods):
    # Fri 2025-09-26: day 1 is Sat 09-27; day 7 is Fri 10-03, a holiday → the first working day after,
    # Thu 10-09 (Art. 203)
    assert periods.due(CALENDAR, D(2025, 9, 26), 7) == D(2025, 10, 9)
    # counted in working days: 09-28 (调休), 29, 30, 10-09, 10, 11 (调休), 13
    assert periods.due(WORKDAYS, D(2025, 9, 26), 7) == D(2025, 10, 13)


def test_the_period_starts_the_day_after(periods):
    assert periods.due(CALENDAR, D(2026, 3, 9), 1) == D(2026, 3, 10)
    assert periods.due(CALENDAR, D(2026, 3, 9), 3) == D(2026, 3, 12)


def test_a_last_day_on_a_weekend_moves_to_monday(periods):
    # Mon 2026-03-09 + 5 → Sat 03-14 → Mon 03-16
    assert periods.due(CALENDAR, D(2026, 3, 9), 5) == D(2026, 3, 16)
    # a weekend INSIDE the period counts
    assert periods.due(CALENDAR, D(2026, 3, 12), 7) == D(2026, 3, 19)


def test_a_last_day_on_a_tiaoxiu_weekend_stays(periods):
    # Fri 2025-10-03 + 8 → Sat 10-11, a 调休 working day: the period ends on it
    assert periods.due(CALENDAR, D(2025, 10, 3), 8) == D(2025, 10, 11)


def test_assignment_and_bureau_clocks(periods):
    # granted Tue 2025-09-30: 3 日 → Fri 10-03 (holiday) → Thu 10-09; workdays → 10-09, 10, 11
    assert periods.due(CALENDAR, D(2025, 9, 30), 3) == D(2025, 10, 9)
    assert periods.due(WORKDAYS, D(2025, 9, 30), 3) == D(2025, 10, 11)
    # an objection received Mon 2026-03-09: 5 日 → Sat 03-14 → Mon 03-16; workdays → Mon 03-16 as well
    assert periods.due(CALENDAR, D(2026, 3, 9), 5) == D(2026, 3, 16)
    assert periods.due(WORKDAYS, D(2026, 3, 9), 5) == D(2026, 3, 16)
    # received Thu 2026-03-12: calendar → Tue 03-17; workdays → Thu 03-19
    assert periods.due(CALENDAR, D(2026, 3, 12), 5) == D(2026, 3, 17)
    assert periods.due(WORKDAYS, D(2026, 3, 12), 5) == D(2026, 3, 19)


def test_pause_and_resume_keep_the_days_used(periods):
    # submitted Mon 2026-03-09; notice on Thu 03-12: days used before it 03-10, 03-11 → 2, 5 left
    used = periods.used_before(CALENDAR, D(2026, 3, 9), D(2026, 3, 12))
    assert used == 2
    # materials arrive Wed 03-25: the 5 days left run from Thu 03-26 → Mon 03-30
    assert periods.resumed_due(CALENDAR, D(2026, 3, 25), 7 - used) == D(2026, 3, 30)
    # in working days: used 2 (10, 11), 5 left from 03-26: 26, 27, 30, 31, 04-01
    assert periods.used_before(WORKDAYS, D(2026, 3, 9), D(2026, 3, 12)) == 2
    assert periods.resumed_due(WORKDAYS, D(2026, 3, 25), 5) == D(2026, 4, 1)
    # a notice on the day of submission uses nothing; nothing left → due the day it resumes
    assert periods.used_before(CALENDAR, D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert periods.resumed_due(CALENDAR, D(2026, 3, 25), 0) == D(2026, 3, 25)


def test_days_left(periods):
    assert periods.days_left(CALENDAR, D(2025, 9, 26), D(2025, 10, 9)) == 13
    assert periods.days_left(WORKDAYS, D(2025, 9, 26), D(2025, 10, 13)) == 7
    assert periods.days_left(CALENDAR, D(2025, 10, 9), D(2025, 10, 9)) == 0
    assert periods.days_left(CALENDAR, D(2025, 10, 11), D(2025, 10, 9)) == -2


def test_each_clock_rule_from_configuration():
    assert rule_for({}, "review") == CALENDAR
    assert rule_for({"CLOCK_RULE": "workdays"}, "assign") == WORKDAYS
    cfg = {"CLOCK_RULE": "calendar", "CLOCK_RULES": {"review": "workdays"}}
    assert (rule_for(cfg, "review"), rule_for(cfg, "assign")) == (WORKDAYS, CALENDAR)
    with pytest.raises(ValueError):
        rule_for({"CLOCK_RULE": "fortnights"}, "review")
    with pytest.raises(ValueError):
        rule_for({}, "lunch")
