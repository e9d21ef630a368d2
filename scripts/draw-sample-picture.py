#!/usr/bin/env python3
"""Draws data/stories/2024-H1/muer.svg, the sample story's illustration
(rows of mushroom bags under a hill line; no text, no photo). Deterministic:
run it again to get the same file."""
import random
import sys
from pathlib import Path

random.seed(7)
W, H = 800, 520
out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">']
out.append('<rect width="800" height="520" fill="#dfe8ee"/>')
out.append('<path d="M0 210 C120 150 210 170 300 190 C400 120 520 130 610 180 C690 150 760 160 800 175 L800 520 L0 520 Z" fill="#7d9a7a"/>')
out.append('<path d="M0 250 C150 215 300 240 450 225 C600 210 700 235 800 225 L800 520 L0 520 Z" fill="#a7b98f"/>')
out.append('<rect y="300" width="800" height="220" fill="#c9b48a"/>')
# Racks of bags in perspective rows, each bag with a few ears of fungus.
for row in range(5):
    y = 315 + row * 40
    size = 10 + row * 3
    gap = size * 2.1
    out.append(f'<rect x="0" y="{y+size-2}" width="800" height="{3+row}" fill="#8a6d45"/>')
    x = -10 + (row % 2) * gap / 2
    while x < 820:
        out.append(f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{size*0.8:.1f}" ry="{size:.1f}" fill="#f1ede2" stroke="#b8ab8c" stroke-width="1"/>')
        for _ in range(3):
            dx = random.uniform(-size * 0.5, size * 0.5)
            dy = random.uniform(-size * 0.6, size * 0.6)
            out.append(f'<ellipse cx="{x+dx:.1f}" cy="{y+dy:.1f}" rx="{size*0.32:.1f}" ry="{size*0.22:.1f}" fill="#2d2420"/>')
        x += gap
# A worker with a basket.
out.append('<g fill="#3b4a5a"><circle cx="610" cy="250" r="14"/><path d="M592 268 h36 l8 70 h-52 z"/><rect x="596" y="336" width="10" height="40"/><rect x="614" y="336" width="10" height="40"/></g>')
out.append('<path d="M636 290 h34 l-5 30 h-24 z" fill="#8a6d45"/>')
out.append('</svg>')

target = Path(sys.argv[1] if len(sys.argv) > 1 else "data/stories/2024-H1/muer.svg")
target.write_text("\n".join(out) + "\n")
