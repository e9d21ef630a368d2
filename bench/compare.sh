#!/bin/sh
# Benchmarks review against the tools a user would pick (BENCHMARKS.md):
#   bench/compare.sh [--rows N] [--runs K] [--out FILE]
# Builds review in release mode, installs the peers (typst-py, DuckDB, pandas,
# and pypdf to hand typst-py the files review attaches)
# into a throwaway virtualenv from PyPI, generates the data set, and writes a
# markdown table of medians, ratios and peak memory (default:
# bench/results.md). The peers are never dependencies of review.
set -eu
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/review-target}"
export CARGO_TARGET_DIR
WORK="${REVIEW_BENCH_WORK:-${TMPDIR:-/tmp}/review-bench}"
mkdir -p "$WORK"

cargo build --release --bin review --bin gen-data
VENV="$WORK/venv"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
# pypdf reads the files review attached, for typst-py to attach the same.
if ! "$VENV/bin/python" -c "import duckdb, pandas, typst, pypdf" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet duckdb pandas typst==0.15.2 pypdf
fi
exec "$VENV/bin/python" bench/compare.py \
    --review "$CARGO_TARGET_DIR/release/review" \
    --gen-data "$CARGO_TARGET_DIR/release/gen-data" \
    --python "$VENV/bin/python" \
    --work "$WORK" \
    --out bench/results.md \
    "$@"
