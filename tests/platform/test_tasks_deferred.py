"""`tasks.deferred()`: work queued inside the block runs once the block is done, in the order queued, and
not at all when the block fails (the demo loader uses it, so OCR does not wait on SQLite's write lock)."""
from __future__ import annotations

import pytest

from app import tasks


def test_work_waits_for_the_block_and_is_dropped_when_it_fails(app, monkeypatch):
    ran = []
    monkeypatch.setitem(tasks._registry, "test.note", lambda x: ran.append(x))
    with app.app_context():
        with tasks.deferred():
            tasks.enqueue("test.note", 1)
            tasks.enqueue("test.note", 2)
            assert ran == []  # TASKS_MODE=sync would have run it at once
        assert ran == [1, 2]
        with pytest.raises(RuntimeError):
            with tasks.deferred():
                tasks.enqueue("test.note", 3)
                raise RuntimeError("the loader failed")
        tasks.enqueue("test.note", 4)  # outside the block: at once again
    assert ran == [1, 2, 4]
