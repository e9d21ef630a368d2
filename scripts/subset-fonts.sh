#!/usr/bin/env bash
# Reproduces the font subsets in fonts/ that `review` embeds in its binary.
#
# Source: Debian's fonts-noto-cjk package (Noto CJK 2.004, SIL OFL 1.1), the
# Simplified Chinese face of each collection. The subset keeps every CJK
# Unified Ideograph of the basic block (U+4E00-9FFF, so rare characters such as
# 溇 in place names survive), CJK and full-width punctuation, Latin, digits and
# the symbols statistical bulletins use (℃, №, ①, ■, −, …). Hinting is dropped: the
# output is PDF, where it is never used.
#
# Usage: apt-get install fonts-noto-cjk && pip install fonttools
#        scripts/subset-fonts.sh            # rewrites fonts/*.otf
set -euo pipefail
cd "$(dirname "$0")/.."
src=${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}
unicodes="U+0020-007E,U+00A0-00FF,U+0100-017F,U+02C6-02DD,U+0391-03C9,U+0401-044F,\
U+2000-206F,U+2100-218F,U+2190-21FF,U+2200-22FF,U+2460-24FF,U+2500-257F,U+25A0-25FF,\
U+2600-26FF,U+3000-303F,U+3200-32FF,U+3300-33FF,U+4E00-9FFF,U+FE30-FE4F,U+FF00-FFEF"
subset() { # collection, face index, output
  python3 - "$src/$1" "$2" "fonts/$3" "$unicodes" <<'PY'
import sys
from fontTools.ttLib import TTCollection
from fontTools import subset
ttc, index, out, unicodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
font = TTCollection(ttc).fonts[index]
opts = subset.Options()
opts.layout_features = ["*"]      # keep vert, locl, halt, palt, kern...
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.hinting = False
opts.notdef_outline = True
sub = subset.Subsetter(opts)
sub.populate(unicodes=subset.parse_unicodes(unicodes))
sub.subset(font)
font.save(out)
PY
  echo "fonts/$3: $(du -h "fonts/$3" | cut -f1)"
}
subset NotoSerifCJK-Regular.ttc 2 NotoSerifSC-Regular.otf
subset NotoSansCJK-Regular.ttc 2 NotoSansSC-Regular.otf
subset NotoSansCJK-Bold.ttc 2 NotoSansSC-Bold.otf
python3 scripts/add-cmap12.py fonts/*.otf
