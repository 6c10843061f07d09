"""The GIL is released while the optimizer runs: a Python thread keeps counting meanwhile."""

import threading
import time

import nst


def test_a_python_thread_runs_during_a_run(content, style, network):
    count = 0
    running = True

    def counter():
        nonlocal count
        while running:
            count += 1

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        time.sleep(0.05)
        start = count
        t0 = time.perf_counter()
        nst.stylize(content, style, weights=network, iterations=10)
        seconds = time.perf_counter() - t0
        during = count - start
    finally:
        running = False
        thread.join()
    # Holding the GIL for the run would leave the thread a few switch intervals at most.
    # Released, it counts at a large fraction of its free rate (millions per second).
    assert during > 20000 * seconds, (during, seconds)
