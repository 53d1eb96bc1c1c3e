"""Kept buffers: reused only when nobody holds them, bounded, given back when idle."""

import threading
import time

import numpy as np
import pytest

from studio import buffers
from studio.buffers import _Pool


def address(x: np.ndarray) -> int:
    return int(x.__array_interface__["data"][0])


BIG = (2, 500_000)  # 4 MB of float32: kept (the tests keep buffers from 1 MB up)


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> _Pool:
    fresh = _Pool()
    monkeypatch.setattr(buffers, "_POOL", fresh)
    monkeypatch.setattr(buffers, "_SMALL_BYTES", 1 << 20)
    return fresh


def test_empty_and_zeros_give_the_shape_and_type_asked(pool: _Pool) -> None:
    for dtype in (np.float32, np.float64, np.int32):
        x = buffers.empty(BIG, dtype)
        assert x.shape == BIG and x.dtype == dtype and x.flags.c_contiguous
        assert x.flags.writeable
    assert buffers.empty(1_000_000).shape == (1_000_000,)


def test_a_reused_buffer_comes_back_zeroed_from_zeros(pool: _Pool) -> None:
    x = buffers.empty(BIG)
    x.fill(7.0)
    where = address(x)
    del x
    y = buffers.zeros(BIG)
    assert address(y) == where  # the same memory, handed out again
    assert not np.any(y)


def test_a_held_array_is_never_handed_out_again(pool: _Pool) -> None:
    a = buffers.empty(BIG)
    a.fill(1.0)
    b = buffers.empty(BIG)
    b.fill(2.0)
    assert not np.shares_memory(a, b)
    assert np.all(a == 1.0)


def test_a_view_keeps_its_buffer_in_use(pool: _Pool) -> None:
    a = buffers.empty(BIG)
    a.fill(1.0)
    row = a[1, 10:20]
    del a
    b = buffers.empty(BIG)
    b.fill(3.0)
    assert np.all(row == 1.0)
    del b, row
    assert len(pool._kept) == 2


def test_a_dropped_buffer_serves_a_request_down_to_half_its_size(pool: _Pool) -> None:
    where = address(buffers.empty(BIG))
    mono = buffers.empty((1, BIG[1]))
    assert address(mono) == where  # a mono track in a stereo one's buffer
    del mono
    smaller = buffers.empty((1, 300_000))  # 1.2 MB, under half: a kept buffer of its own
    assert address(smaller) != where
    assert len(pool._kept) == 2


def test_small_requests_are_plain_numpy(pool: _Pool) -> None:
    buffers.empty(1000)
    assert buffers.kept_mb() == 0.0


def test_by_default_a_song_length_track_is_kept_and_a_preview_is_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(buffers, "_POOL", _Pool())
    buffers.empty((2, 10 * 48_000))  # a 10-second stereo preview: left to numpy
    assert buffers.kept_mb() == 0.0
    buffers.empty((1, 180 * 48_000))  # a 3-minute mono track
    assert buffers.kept_mb() == pytest.approx(34.56)


def test_unused_smaller_buffers_go_back_when_a_larger_one_is_needed(pool: _Pool) -> None:
    buffers.empty((1, 400_000))  # dropped at once: unused
    held = buffers.empty(BIG)
    assert [k.buffer.nbytes for k in pool._kept] == [held.nbytes]


def test_beyond_the_limit_buffers_are_not_kept(
    pool: _Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(buffers, "LIMIT_MB", 5.0)
    a = buffers.empty(BIG)
    b = buffers.empty(BIG)  # the first is held: this one is plain numpy
    assert [address(k.buffer) for k in pool._kept] == [address(a)]
    assert not np.shares_memory(a, b)
    assert buffers.kept_mb() == pytest.approx(4.0)
    del a
    c = buffers.empty((2, 600_000))  # the unused one goes to make room
    assert buffers.kept_mb() == pytest.approx(c.nbytes / 1e6)


def test_release_gives_back_what_nobody_uses(pool: _Pool) -> None:
    held = buffers.empty(BIG)
    buffers.empty((2, 400_000))
    buffers.release()
    assert buffers.kept_mb() == pytest.approx(held.nbytes / 1e6)


def test_idle_buffers_go_back_by_themselves(pool: _Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(buffers, "IDLE_S", 0.05)
    buffers.empty(BIG)
    deadline = time.monotonic() + 5.0
    while buffers.kept_mb() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert buffers.kept_mb() == 0.0


def test_threads_never_share_a_buffer(pool: _Pool) -> None:
    failures: list[str] = []

    def work(value: float) -> None:
        for _ in range(50):
            x = buffers.empty((1, 300_000))
            x.fill(value)
            time.sleep(0)
            if not np.all(x == value):
                failures.append(f"thread {value}: its buffer was written by another")

    threads = [threading.Thread(target=work, args=(float(v),)) for v in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert len(pool._kept) <= 8  # each thread holds at most two at a time


def test_footprint_counts_the_whole_kept_buffer(pool: _Pool) -> None:
    stereo = buffers.empty(BIG)
    del stereo
    mono = buffers.empty((1, BIG[1]))  # served by the stereo buffer: it keeps all of it
    assert mono.nbytes == 2_000_000
    assert buffers.footprint(mono) == 4_000_000
    assert buffers.footprint(mono[:, :10]) == 4_000_000
    plain = np.zeros((1, BIG[1]), dtype=np.float32)
    assert buffers.footprint(plain[:, :10]) == 40  # not a kept buffer: its own size
