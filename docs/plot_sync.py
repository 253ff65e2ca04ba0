#!/usr/bin/env python3
"""Plots the sync bench's `csv,` lines: time per block against chain length,
P2P sync and -reindex, for each build measured.

    cargo bench -p zennet-tests --bench sync | tee sync.txt
    python3 docs/plot_sync.py sync.txt docs/sync_scaling.png

Needs matplotlib (pip install matplotlib).
"""

import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(source: str, target: str) -> None:
    rows = []
    with open(source) as f:
        lines = [line[len("csv,"):] for line in f if line.startswith("csv,")]
    for row in csv.DictReader(lines):
        rows.append(row)
    fig, (per_block, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for build in sorted({r["build"] for r in rows}):
        for kind, style in (("sync", "o-"), ("reindex", "s--")):
            points = sorted(
                (int(r["size"]), float(r["seconds"]), float(r["peak_rss_mib"]))
                for r in rows
                if r["build"] == build and r["kind"] == kind
            )
            if not points:
                continue
            sizes = [p[0] for p in points]
            label = f"{build} {kind}"
            per_block.plot(sizes, [1000 * p[1] / p[0] for p in points], style, label=label)
            memory.plot(sizes, [p[2] for p in points], style, label=label)
    per_block.set_xscale("log")
    per_block.set_xlabel("blocks in the chain")
    per_block.set_ylabel("milliseconds per block")
    per_block.set_ylim(bottom=0)
    per_block.set_title("Time per block (flat = linear)")
    memory.set_xscale("log")
    memory.set_xlabel("blocks in the chain")
    memory.set_ylabel("peak RSS, MiB")
    memory.set_ylim(bottom=0)
    memory.set_title("Peak resident memory")
    for axis in (per_block, memory):
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(target, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
