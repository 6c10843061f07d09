"""A callback that logs every 10th iteration and stops the run once the loss falls below a target.
Usage: callback.py CONTENT STYLE OUTPUT [TARGET_LOSS [SIZE]]"""
import sys

import nst

content, style, output = sys.argv[1:4]
target = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
size = int(sys.argv[5]) if len(sys.argv) > 5 else 256


def on_iteration(report: nst.Report) -> bool:
    if report.iteration % 10 == 0:
        style_loss = sum(v for k, v in report.parts.items() if k.startswith("style:"))
        print(f"{report.iteration:4d}  loss {report.loss:.4g}  style {style_loss:.4g}  {report.seconds:.1f}s")
    return report.loss > target  # False stops the run; the image so far is returned


result = nst.stylize(nst.read_image(content, size), nst.read_image(style, size), iterations=500,
                     callback=on_iteration, full_result=True)
nst.write_image(result.image, output)
print(f"{result.stop} after {result.iterations} iterations, loss {result.loss:.4g}")
