"""Ctrl-C during a run (a real SIGINT to a child process): the run stops after the current
iteration and nst.Interrupted, a KeyboardInterrupt, carries the latest image."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

CHILD = textwrap.dedent("""
    import json, sys, torch, nst
    from conftest import EXAMPLES, SIZE
    torch.set_num_threads(1)
    content = nst.read_image(EXAMPLES / "chelsea.png", SIZE)
    style = nst.read_image(EXAMPLES / "starry_night.jpg", SIZE)
    network = nst.Network()
    def started(report):
        if report.iteration == 1:
            print("running", flush=True)  # the parent sends SIGINT after this
    try:
        nst.stylize(content.numpy().transpose(1, 2, 0), style, weights=network, iterations=100000,
                    callback=started)
    except nst.Interrupted as e:
        print(json.dumps({"interrupted": isinstance(e, KeyboardInterrupt), "shape": list(e.image.shape),
                          "type": type(e.image).__name__, "iterations": e.result.iterations,
                          "stop": e.result.stop}), flush=True)
        sys.exit(0)
    sys.exit(3)
""")


def test_sigint_returns_the_latest_image():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")]))
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "running"
        time.sleep(0.5)  # inside the optimizer, the GIL released
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, out
    report = json.loads(out)
    assert report["interrupted"] and report["type"] == "ndarray" and report["shape"][2] == 3
    assert 1 <= report["iterations"] < 100000 and report["stop"] == "stopped by request"
