"""Compare runs of ``benchmarks/run.py``: the same figures side by side.

Usage (from the repository root)::

    python benchmarks/compare.py OLD.json NEW.json [OLD2.json NEW2.json ...]

Arguments alternate old, new (one pair per repetition).  For every figure the
script prints each run's value and the worst and best change of new against
old over the pairs, as a percentage where positive means *worse* (slower, or
a smaller speed-up over the peer measured in the same run).  The ratios
against ``MLPRegressor`` measured in the same process are the figures to
judge by: absolute times move with the machine's load, the ratios much less.
"""

from __future__ import annotations

import json
import sys


def figures(run):
    """The run's figures as ``{name: (value, higher_is_better)}``."""
    out = {}
    for e in run["epochs"]:
        case = f"gd epoch ({e['n']:,}, {e['d']}, {e['h']}) {e['dtype']}"
        out[case + ": MLPRegressor / ours"] = (e["speedup"], True)
        out[case + ": ours ms"] = (1e3 * e["ours_s"], False)
    for m in run["mini_batch"]:
        hidden = ",".join(str(h) for h in m["hidden"])
        case = f"{m['solver']} epoch ({m['n']:,}, {m['d']}, ({hidden})) {m['dtype']}"
        out[case + ": MLPRegressor / ours"] = (m["speedup"], True)
        out[case + ": ours ms"] = (1e3 * m["ours_s"], False)
    for name, value, _target, _ok in run["targets"]:
        if name.startswith("time to") or name.startswith("GridSearchCV") \
                or name.startswith("peak"):
            out[name] = (value, False)
    return out


def main(paths):
    if len(paths) < 2 or len(paths) % 2:
        raise SystemExit(__doc__)
    runs = [figures(json.load(open(p))) for p in paths]
    pairs = list(zip(runs[0::2], runs[1::2]))
    print(f"{'figure':<62} " + " ".join(f"{'old' if i % 2 == 0 else 'new':>8}"
                                        for i in range(len(runs)))
          + "   change (worst, best)")
    for name, (_v, higher) in runs[0].items():
        values = [r[name][0] for r in runs]
        changes = []
        for old, new in pairs:
            a, b = old[name][0], new[name][0]
            changes.append(100 * ((a / b - 1) if higher else (b / a - 1)))
        cells = " ".join(f"{v:8.3g}" for v in values)
        print(f"{name:<62} {cells}   {max(changes):+6.1f}% {min(changes):+6.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
