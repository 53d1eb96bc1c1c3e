"""Throttle and debounce, driven by a manual clock."""

from studio.widgets.timing import Debouncer, ManualScheduler, Throttler


def test_debounce_runs_once_with_latest_args_after_quiet_time():
    clock, calls = ManualScheduler(), []
    d = Debouncer(calls.append, 0.25, clock)
    for v in range(10):  # a fast drag: one event every 20 ms
        d(v)
        clock.advance(0.02)
    assert calls == []
    clock.advance(0.25)
    assert calls == [9]
    assert not d.pending


def test_debounce_flush_runs_now():
    clock, calls = ManualScheduler(), []
    d = Debouncer(calls.append, 1.0, clock)
    d("x")
    d.flush()
    assert calls == ["x"]
    clock.advance(2.0)
    assert calls == ["x"]


def test_throttle_leading_then_at_most_once_per_interval_then_trailing():
    clock, calls = ManualScheduler(), []
    t = Throttler(calls.append, 0.1, clock)
    for v in range(50):  # 50 events over 0.5 s
        t(v)
        clock.advance(0.01)
    assert calls[0] == 0
    assert 4 <= len(calls) <= 7  # about one per 100 ms, not 50
    clock.advance(0.2)
    assert calls[-1] == 49  # the final value always lands


def test_throttle_runs_immediately_when_idle():
    clock, calls = ManualScheduler(), []
    t = Throttler(calls.append, 0.1, clock)
    t(1)
    clock.advance(1.0)
    t(2)
    assert calls == [1, 2]
