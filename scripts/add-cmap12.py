"""Adds a format 12 (3,10) cmap subtable beside the format 4 ones.

fontTools writes only format 4 for a BMP-only subset. Typst's shaper reads
glyph ids above 32767 from that table as .notdef (seen: 长, 量, 高, 降 came out
as tofu), while it reads format 12 correctly, so every subset gets one.
Usage: python3 scripts/add-cmap12.py fonts/*.otf
"""
import sys
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

for path in sys.argv[1:]:
    font = TTFont(path)
    cmap = font["cmap"]
    if not any(t.format == 12 for t in cmap.tables):
        table = CmapSubtable.newSubtable(12)
        table.platformID, table.platEncID, table.language = 3, 10, 0
        table.cmap = dict(font.getBestCmap())
        cmap.tables.append(table)
        font.save(path)
    print(path, [(t.format, t.platformID, t.platEncID) for t in font["cmap"].tables])
