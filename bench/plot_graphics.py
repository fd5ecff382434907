#!/usr/bin/env python3
"""Plots Kiln beside lavapipe for the graphics benchmarks as an SVG bar chart, written by hand (no
matplotlib): vkcube frames per second (kiln_vkcube_bench) and the offscreen fill and triangle rates
(kiln_draw_bench), each as a pair of bars with the Kiln / lavapipe ratio under it.

    build/bench/kiln_vkcube_bench --benchmark_out=vkcube.json --benchmark_out_format=json
    build/bench/kiln_draw_bench --benchmark_out=draw.json --benchmark_out_format=json
    python3 bench/plot_graphics.py vkcube.json draw.json docs/plots/graphics.svg

Medians are used (the programs run repetitions and report aggregates).
"""
import json
import sys

# (panel title, benchmark name prefix, counter, unit label, scale)
PANELS = [
    ("vkcube 500×500", "vkcube_frames/{}/500/500", "items_per_second", "frames/s", 1.0),
    ("vkcube 1920×1080", "vkcube_frames/{}/1920/1080", "items_per_second", "frames/s", 1.0),
    ("fill rate, 1024² RGBA8", "draw/FillRate_{}", "pixels_per_second", "Mpixel/s", 1e-6),
    ("small triangles", "draw/TriangleRate_{}", "triangles_per_second", "M triangles/s", 1e-6),
]
DRIVERS = [("kiln", "Kiln", "#d62728"), ("lavapipe", "lavapipe", "#1f77b4")]


def medians(paths):
    values = {}
    for path in paths:
        with open(path) as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("aggregate_name") != "median":
                    continue
                name = b["run_name"].replace("/iterations:1", "").replace("/manual_time", "").replace("/real_time", "")
                for key, value in b.items():
                    if isinstance(value, (int, float)):
                        values[(name, key)] = value
    return values


def main():
    *inputs, output = sys.argv[1:]
    values = medians(inputs)
    width, height, panel_w = 960, 360, 240
    top, bottom = 70, 300
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             '<text x="480" y="22" text-anchor="middle" font-size="15">Kiln beside lavapipe (medians; under each pair: the unit and Kiln / lavapipe)</text>']
    for i, (title, pattern, counter, unit, scale) in enumerate(PANELS):
        x0 = i * panel_w
        got = [values.get((pattern.format(d), counter)) for d, _, _ in DRIVERS]
        parts.append(f'<text x="{x0 + panel_w / 2}" y="50" text-anchor="middle" font-size="13">{title}</text>')
        peak = max([g for g in got if g] or [1.0])
        for k, ((_, label, colour), value) in enumerate(zip(DRIVERS, got)):
            bx = x0 + 50 + k * 80
            if value is None:
                parts.append(f'<text x="{bx + 30}" y="{bottom - 5}" text-anchor="middle">n/a</text>')
                continue
            h = (bottom - top) * value / peak
            parts.append(f'<rect x="{bx}" y="{bottom - h:.1f}" width="60" height="{h:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{bx + 30}" y="{bottom - h - 4:.1f}" text-anchor="middle">{value * scale:.3g}</text>')
            parts.append(f'<text x="{bx + 30}" y="{bottom + 16}" text-anchor="middle">{label}</text>')
        if all(got):
            parts.append(f'<text x="{x0 + panel_w / 2}" y="{bottom + 36}" text-anchor="middle">{unit}; '
                         f'ratio {got[0] / got[1]:.2f}</text>')
    parts.append('</svg>')
    with open(output, "w") as f:
        f.write("\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
