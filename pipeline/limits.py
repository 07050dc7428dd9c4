"""A per-document time limit that works in worker processes and in worker threads."""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class DocumentTimeout(Exception):
    """Raised inside a worker when one document exceeds the per-document limit."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout in this thread after ``seconds``.

    In a process's main thread (loky workers, serial runs) a SIGALRM timer; in other
    threads (dask threads) an asynchronous exception set from a timer thread. Both
    interrupt Python code, which is where pathological layouts spend their time; a
    single C call that never returns cannot be interrupted this way.
    """
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        def on_alarm(_signum: int, _frame: Any) -> None:
            raise DocumentTimeout

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    tid = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(tid, ctypes.py_object(DocumentTimeout))
                state["fired"] = True

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if state["fired"]:  # clear it if it is still pending
            ctypes.pythonapi.PyThreadState_SetAsyncExc(tid, None)
