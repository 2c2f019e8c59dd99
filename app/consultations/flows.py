"""What follows when calls are recorded, in order (one function, read top to bottom).

A call logged in the console (service.record_call) and each chunk of a CDR import (cdr.run_import)
end here, in the caller's transaction: the dashboard's rollups count the calls, the repeat-caller
check opens an episode for a number that calls too often, and a recent episode gets a callback task
(回访) and a critical alert in the console's inbox."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from app.callbacks import service as callbacks
from app.consultations import rollups, warnings
from app.consultations.models import Consultation, RepeatCallerEpisode


def calls_recorded(calls: list[Consultation]) -> list[RepeatCallerEpisode]:
    """call recorded or imported → rollups → repeat-caller warning → callback task and alert.
    Returns the episodes the calls opened (old calls of an import open theirs without a callback)."""
    rollups.apply(calls)
    opened = warnings.check_repeat_callers(calls)
    for episode, call in opened:
        if warnings.is_recent(call):
            _follow_up(episode, call)
    return [episode for episode, _call in opened]


def _follow_up(episode: RepeatCallerEpisode, call: Consultation) -> None:
    note = warnings.warning_text(episode)
    task = callbacks.open_task(
        "repeat_caller", citizen_id=episode.citizen_id, subject_type="consultation", subject_id=call.id, note=note,
        due_in=dt.timedelta(hours=float(current_app.config["REPEAT_CALLBACK_DUE_HOURS"])))
    alert = warnings.raise_alert(
        "repeat_caller", dedupe_key=f"repeat_caller:{episode.id}", message=note, severity="critical",
        citizen_id=episode.citizen_id,
        details={"episode_id": episode.id, "callback_task_id": task.id, "consultation_id": call.id,
                 "calls": episode.call_count, "region": episode.region, "topic": episode.topic})
    episode.callback_task_id, episode.alert_id = task.id, alert.id
