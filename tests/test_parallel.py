"""Work side by side on two cores: every piece runs once, errors come back, no deadlock."""

import threading

import pytest

from studio.dsp import _parallel


def test_every_piece_runs_once():
    seen = []
    lock = threading.Lock()

    def work(i):
        with lock:
            seen.append(i)

    _parallel.side_by_side(work, 5)
    assert sorted(seen) == [0, 1, 2, 3, 4]


def test_an_error_in_a_piece_is_raised_to_the_caller():
    def work(i):
        if i == 1:
            raise ValueError("piece 1 failed")

    with pytest.raises(ValueError, match="piece 1 failed"):
        _parallel.side_by_side(work, 3)


def test_a_piece_that_splits_its_own_work_does_not_wait_for_itself():
    done = []

    def inner(i):
        done.append(("inner", i))

    def outer(i):
        _parallel.side_by_side(inner, 2)  # inside a piece: one after the other
        done.append(("outer", i))

    _parallel.side_by_side(outer, 2)
    assert sorted(done) == [("inner", 0), ("inner", 0), ("inner", 1), ("inner", 1),
                            ("outer", 0), ("outer", 1)]  # fmt: skip


def test_one_worker_means_one_thread(monkeypatch):
    monkeypatch.setattr(_parallel, "WORKERS", 1)
    threads = set()
    _parallel.side_by_side(lambda i: threads.add(threading.current_thread().name), 4)
    assert threads == {threading.current_thread().name}


def test_a_forked_process_gets_its_own_threads():
    import multiprocessing

    _parallel.side_by_side(lambda i: None, 2)  # the parent's pool exists
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        assert pool.apply_async(_split_in_child).get(timeout=30) == [0, 1, 2]


def _split_in_child():
    seen = []
    lock = threading.Lock()

    def work(i):
        with lock:
            seen.append(i)

    _parallel.side_by_side(work, 3)
    return sorted(seen)
