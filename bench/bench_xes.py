"""Benchmark: our streaming XES reader against pm4py.read_xes, time and peak memory.

Each side reads the same file in a fresh Python process (so neither inherits
the other's imports or memory); the child reports the wall time of the read
alone and its peak resident set size (``resource.getrusage``, which includes
the interpreter and the imports: the peak of a child that only imports each
side's modules is printed too, so the reading's own share can be seen). The frames are
compared once, column by column, in a third child. It prints each figure and
the ratio ours / pm4py. Run::

    python bench/bench_xes.py                         # bpic2012 and helpdesk
    python bench/bench_xes.py path/to/log.xes.gz      # any XES files
    python bench/bench_xes.py --repeat 3              # best of 3 per side

The default files are the real logs of ``../shared/data`` (beside the project).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT = ("bpic2012.xes.gz", "helpdesk.xes.gz")

_CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
side, path = sys.argv[1], sys.argv[2]
if side == "ours":
    from analysis.xes_stream import read_xes
    import pandas
    read = read_xes
elif side == "pm4py":
    import pm4py
    read = lambda p: pm4py.read_xes(p, show_progress_bar=False)
elif side == "ours-imports":  # the baseline of each side: its imports, no read
    import pandas
    from analysis.xes_stream import read_xes
    read = None
else:
    import pm4py
    read = None
t = time.perf_counter()
shape = list(read(path).shape) if read else [0, 0]
seconds = time.perf_counter() - t
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "shape": shape}))
"""

_COMPARE = r"""
import sys, warnings
warnings.simplefilter("ignore")
import pandas as pd, pm4py
from analysis.xes_stream import read_xes
a, b = read_xes(sys.argv[1]), pm4py.read_xes(sys.argv[1], show_progress_bar=False)
assert list(a.columns) == list(b.columns), (list(a.columns), list(b.columns))
for c in b.columns:
    pd.testing.assert_series_equal(a[c], b[c])
print("equal")
"""


def _child(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"child failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip().splitlines()[-1]


def _side(side: str, path: Path, repeat: int) -> dict:
    runs = [json.loads(_child(_CHILD, side, str(path))) for _ in range(repeat)]
    return min(runs, key=lambda r: r["seconds"])


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per side [1]")
    args = parser.parse_args(argv)
    files = args.files or [DATA / name for name in DEFAULT]
    for path in [p for p in files if not p.is_file()]:
        print(f"{path}: not available, skipped")
    files = [p for p in files if p.is_file()]
    if not files:
        return
    base = {s: json.loads(_child(_CHILD, f"{s}-imports", str(files[0])))["peak_mb"]
            for s in ("ours", "pm4py")}  # fmt: skip
    print(f"peak of a child that only imports: ours {base['ours']:.0f} MB, "
          f"pm4py {base['pm4py']:.0f} MB (included in the figures below)")  # fmt: skip
    print(f"{'file':<26}{'events':>10}{'ours s':>9}{'pm4py s':>9}{'ratio':>7}"
          f"{'ours MB':>9}{'pm4py MB':>10}{'ratio':>7}  frames")  # fmt: skip
    for path in files:
        ours, theirs = _side("ours", path, args.repeat), _side("pm4py", path, args.repeat)
        same = _child(_COMPARE, str(path))
        print(
            f"{path.name:<26}{ours['shape'][0]:>10,}{ours['seconds']:>9.2f}{theirs['seconds']:>9.2f}"
            f"{ours['seconds'] / theirs['seconds']:>7.2f}{ours['peak_mb']:>9.0f}"
            f"{theirs['peak_mb']:>10.0f}{ours['peak_mb'] / theirs['peak_mb']:>7.2f}  {same}"
        )


if __name__ == "__main__":
    main()
