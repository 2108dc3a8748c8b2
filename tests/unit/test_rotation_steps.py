"""Rotation's steps are dispatched from a named table, not from method names built of strings
(issue 22): every step in STEPS has exactly one method, so its callers can be found."""

from __future__ import annotations

import inspect

from gtwizard.rotation import STEPS, Rotation, RotationOptions


def test_every_step_has_its_method_and_nothing_else_is_dispatched() -> None:
    table = Rotation(RotationOptions(profile="p"))._step_table()
    assert [step.name for step in table] == list(STEPS)
    for step in table:
        assert inspect.iscoroutinefunction(step.run), step.name
        assert step.run.__name__ == "_step_" + step.name.replace("-", "_")
    # only the preflight runs again on resume (the world may have changed meanwhile)
    assert [step.name for step in table if not step.resumable] == ["preflight"]
    assert "getattr(self" not in inspect.getsource(Rotation)
