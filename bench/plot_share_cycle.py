#!/usr/bin/env python3
"""Plots the medians of kiln_external_memory_bench as an SVG, written by hand (no matplotlib).

    build/bench/kiln_external_memory_bench --benchmark_out=external.json --benchmark_out_format=json
    python3 bench/plot_share_cycle.py external.json [more.json ...] docs/plots/share_cycle.svg

A median in a later file replaces the one of the same benchmark in an earlier file (docs/performance.md
reruns the 1 GiB share cycle with 25 repetitions).

Four panels, one line per variant (Kiln NT handle, Kiln fd, lavapipe fd), median against allocation
size: the share cycle (allocate exportable, export, import in a second device, map, touch every page,
free both, close), log-log; its Kiln / lavapipe ratio, linear; import + free alone with the exporting
memory object alive (Import) and freed, the handle alone holding the payload (ImportOrphan), log-log.
"""
import json
import math
import sys

VARIANTS = [  # name in the benchmark, legend, colour, dash
    ("kiln_win32", "Kiln, OPAQUE_WIN32 (NT handle)", "#d62728", ""),
    ("kiln_fd", "Kiln, OPAQUE_FD", "#ff7f0e", "6,3"),
    ("lavapipe_fd", "lavapipe, OPAQUE_FD", "#1f77b4", ""),
]
PANELS = [  # family, title, kind
    ("ShareCycle", "Share cycle", "time"),
    ("ShareCycle", "Share cycle, Kiln / lavapipe", "ratio"),
    ("Import", "Import + free, exporter alive", "time"),
    ("ImportOrphan", "Import + free, exporter freed", "time"),
]
TO_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def medians(path):
    """{(family, variant, bytes): seconds} from the median aggregates of a Google Benchmark JSON file."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name") != "median" or b.get("error_occurred"):
            continue
        parts = b["run_name"].split("/")
        if len(parts) < 3 or parts[0] not in {family for family, _, _ in PANELS}:
            continue
        out[(parts[0], parts[1], int(parts[2]))] = b["real_time"] * TO_SECONDS[b["time_unit"]]
    return out


def size_label(n):
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= factor:
            return f"{n // factor} {unit}"
    return f"{n} B"


def time_label(s):
    for unit, factor in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= factor:
            v = s / factor
            return f"{v:g} {unit}"
    return f"{s:g} s"


def frame(svg, x0, y0, w, h, title):
    svg.append(f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-size="15" '
               f'font-weight="bold">{title}</text>')
    svg.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#444"/>')


def size_axis(svg, x0, y0, w, h, sizes):
    """A logarithmic x axis of allocation sizes, drawn with its grid; returns the x of a size."""
    lx0, lx1 = math.log10(sizes[0]), math.log10(sizes[-1])
    if lx1 == lx0:
        lx1 = lx0 + 1
    pad = 0.06 * w

    def px(n):
        return x0 + pad + (math.log10(n) - lx0) / (lx1 - lx0) * (w - 2 * pad)

    for n in sizes:
        x = px(n)
        svg.append(f'<line x1="{x:.1f}" y1="{y0}" x2="{x:.1f}" y2="{y0 + h}" stroke="#eee"/>')
        svg.append(f'<text x="{x:.1f}" y="{y0 + h + 16}" text-anchor="middle" font-size="11">{size_label(n)}</text>')
    svg.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle" font-size="12">allocation size</text>')
    return px


def series(svg, points, px, py, label):
    """One polyline with a dot per point for each variant that has points."""
    for v, _, colour, dash in VARIANTS:
        pts = points.get(v)
        if not pts:
            continue
        coords = " ".join(f"{px(n):.1f},{py(t):.1f}" for n, t in pts)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        for n, t in pts:
            svg.append(f'<circle cx="{px(n):.1f}" cy="{py(t):.1f}" r="3.5" fill="{colour}">'
                       f'<title>{v} {size_label(n)}: {label(t)}</title></circle>')


def panel(svg, x0, y0, w, h, title, family, data):
    points = {v: sorted((n, t) for (f, vv, n), t in data.items() if f == family and vv == v) for v, *_ in VARIANTS}
    sizes = sorted({n for (f, _, n) in data if f == family})
    times = [t for (f, _, _), t in data.items() if f == family]
    frame(svg, x0, y0, w, h, title)
    if not sizes or not times:
        svg.append(f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" text-anchor="middle">no data</text>')
        return
    ly0 = math.floor(math.log10(min(times)))
    ly1 = math.ceil(math.log10(max(times)))
    if ly1 == ly0:
        ly1 = ly0 + 1
    def py(t):
        return y0 + h - (math.log10(t) - ly0) / (ly1 - ly0) * h

    for d in range(ly0, ly1 + 1):
        y = py(10.0 ** d)
        svg.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
                   f'{time_label(10.0 ** d)}</text>')
    px = size_axis(svg, x0, y0, w, h, sizes)
    series(svg, points, px, py, time_label)


def ratio_panel(svg, x0, y0, w, h, title, family, data):
    """Kiln's median over lavapipe's at each size, linear, with the line of parity."""
    sizes = sorted({n for (f, v, n) in data if f == family and v == "lavapipe_fd"})
    frame(svg, x0, y0, w, h, title)
    ratios = {v: [(n, data[(family, v, n)] / data[(family, "lavapipe_fd", n)]) for n in sizes if (family, v, n) in data]
              for v, *_ in VARIANTS if v != "lavapipe_fd"}
    values = [r for pts in ratios.values() for _, r in pts]
    if not sizes or not values:
        svg.append(f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" text-anchor="middle">no data</text>')
        return
    top = max(1.5, math.ceil(max(values) * 4 + 0.5) / 4)
    def py(r):
        return y0 + h - r / top * h

    tick = 0.0
    while tick <= top + 1e-9:
        y = py(tick)
        colour = "#888" if abs(tick - 1.0) < 1e-9 else "#ddd"
        dash = ' stroke-dasharray="4,3"' if abs(tick - 1.0) < 1e-9 else ""
        svg.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="{colour}"{dash}/>')
        svg.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick:.2f}</text>')
        tick += 0.25
    svg.append(f'<text x="{x0 + w / 2}" y="{py(1.0) - 8:.1f}" text-anchor="middle" font-size="10" fill="#666">'
               'lavapipe (parity)</text>')
    px = size_axis(svg, x0, y0, w, h, sizes)
    series(svg, ratios, px, py, lambda r: f"{r:.2f}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data = {}
    for path in sys.argv[1:-1]:
        data.update(medians(path))
    width, height = 960, 900
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, (family, title, kind) in enumerate(PANELS):
        x0, y0 = 80 + (i % 2) * 460, 40 + (i // 2) * 420
        (panel if kind == "time" else ratio_panel)(svg, x0, y0, 360, 330, title, family, data)
    ly = height - 40
    for i, (_, legend, colour, dash) in enumerate(VARIANTS):
        x = 80 + i * 290
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<line x1="{x}" y1="{ly}" x2="{x + 30}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        svg.append(f'<text x="{x + 36}" y="{ly + 4}" font-size="12">{legend}</text>')
    svg.append(f'<text x="{width - 10}" y="{height - 8}" text-anchor="end" font-size="10" fill="#666">'
               'kiln_external_memory_bench, medians (docs/performance.md)</text>')
    svg.append("</svg>")
    with open(sys.argv[-1], "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
