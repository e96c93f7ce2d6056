"""The engine-against-a-tutorial benchmarks share one timing loop (`benchmarks.side_by_side`): interleaved runs in
alternating order, the median rate and the ratio. Fake runners stand in for the training, so nothing is timed here."""

from __future__ import annotations

import sys

import pytest

from benchmarks import regression, side_by_side, softmax


def test_compare_alternates_the_order_and_reports_the_median_rates(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[str] = []
    engine_seconds, loop_seconds = iter([1.0, 2.0, 4.0]), iter([2.0, 8.0, 4.0])

    def engine() -> float:
        calls.append("engine")
        return next(engine_seconds)

    def loop() -> float:
        calls.append("loop")
        return next(loop_seconds)

    times = side_by_side.compare("a title", 100, engine, "loop", loop, 3)
    assert calls == ["engine", "loop", "loop", "engine", "engine", "loop"]
    assert times == {"engine": [1.0, 2.0, 4.0], "loop": [2.0, 8.0, 4.0]}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a title, 3 repeats"
    assert lines[2].split() == ["engine", "50", "100", "25"]  # medians 2 s and 4 s: 100 epochs / 2 s
    assert lines[3].split() == ["loop", "25", "50", "12"]
    assert lines[4] == "engine / loop: 2.00×"


@pytest.mark.parametrize(("module", "loop_name"), [(regression, "numpy"), (softmax, "cs231n")])
def test_both_benchmarks_time_through_the_shared_loop(module: object, loop_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[object, ...]] = []
    monkeypatch.setattr(module, "compare", lambda *arguments: seen.append(arguments))
    monkeypatch.setattr(sys, "argv", ["benchmark", "--quick"])
    module.main()  # type: ignore[attr-defined]
    ((title, epochs, engine, name, loop, repeats),) = seen
    assert name == loop_name and repeats == 2 and callable(engine) and callable(loop) and f"{epochs:,}" in title
