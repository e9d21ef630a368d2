"""Side-by-side benchmarks of review against the tools a user would pick.

Run through bench/compare.sh, which builds review, makes a throwaway
virtualenv with the peers from PyPI (never runtime dependencies of review)
and calls this script. Every measurement runs in its own child process; wall
time is the median of the runs, peak memory (max RSS) is the child's own,
taken with wait4. Machines are noisy: the two sides of each comparison run in
turn, round after round, so that the machine's slow moments fall on both;
read the ratios rather than the absolute times.

Writes the markdown table to the file named by --out (BENCHMARKS.md's
results section) and prints it.
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCH = "1719792000"


def run(cmd, env=None, cwd=REPO):
    """Runs cmd once, failing loudly; returns (seconds, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err.decode(errors='replace')}")
    return elapsed, out.decode(errors="replace")


def measure_in_turn(cmds, rounds, env=None, cwd=REPO):
    """Runs the commands one after the other, `rounds` times over, so that
    the machine's slow and quick moments fall on all of them alike. Returns,
    per command, (median wall seconds, peak RSS MiB, stdouts)."""
    times = [[] for _ in cmds]
    peaks = [[] for _ in cmds]
    outs = [[] for _ in cmds]
    for r in range(rounds):
        # Every other round in reverse: on these machines whichever runs
        # first in a round was seen up to 10 % faster.
        order = list(enumerate(cmds))
        for i, cmd in order if r % 2 == 0 else reversed(order):
            with tempfile.TemporaryFile() as errors:
                start = time.perf_counter()
                proc = subprocess.Popen(
                    cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors
                )
                out = proc.stdout.read().decode(errors="replace")
                _, status, usage = os.wait4(proc.pid, 0)
                times[i].append(time.perf_counter() - start)
                proc.stdout.close()
                if os.waitstatus_to_exitcode(status) != 0:
                    errors.seek(0)
                    sys.exit(f"failed: {' '.join(cmd)}\n{errors.read().decode(errors='replace')}")
            peaks[i].append(usage.ru_maxrss / 1024)
            outs[i].append(out)
    return [(statistics.median(t), max(p), o) for t, p, o in zip(times, peaks, outs)]


def env_with_epoch():
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = EPOCH
    return env


TYPST_CHILD = r"""
import sys, time, typst
root, fonts, out, evidence = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
start = time.perf_counter()
typst.compile(f"{root}/templates/review.typ", output=out, root=root,
              font_paths=[fonts], ignore_system_fonts=True,
              pdf_standards=["a-3u", "ua-1"], sys_inputs={"evidence": evidence})
print(time.perf_counter() - start)
"""

# One warm typst-py process compiling several documents one after the other
# (one Compiler, so Typst's memoisation carries from one to the next): the
# yardstick for `review --region all`. Prints the seconds of the compiles.
TYPST_WARM_CHILD = r"""
import sys, time, typst
fonts, roots = sys.argv[1], sys.argv[2:]
compiler = typst.Compiler(font_paths=[fonts], ignore_system_fonts=True)
start = time.perf_counter()
for root in roots:
    compiler.compile(input=f"{root}/templates/review.typ", output=f"{root}.pdf", root=root,
                     pdf_standards=["a-3u", "ua-1"], sys_inputs={"evidence": "true"})
print(time.perf_counter() - start)
"""

# Writes the files attached to review's PDF into typst-py's root at their
# paths, so that typst-py can attach the same evidence.
EXTRACT_CHILD = r"""
import os, sys, pypdf
pdf, root = sys.argv[1], sys.argv[2]
for name, versions in pypdf.PdfReader(pdf).attachments.items():
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(versions[0])
print(len(pypdf.PdfReader(pdf).attachments))
"""

DUCKDB_CHILD = r"""
import sys, duckdb
path, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads TO 2")
# Typed columns, as a user of DuckDB would read the file (issue #16): text
# for the codes (leading zeros and 18-character ids kept), DOUBLE for values.
columns = ("{'month': 'VARCHAR', 'enterprise_id': 'VARCHAR', 'enterprise_name': 'VARCHAR', "
           "'region_code': 'VARCHAR', 'industry_code': 'VARCHAR', "
           "'output_value': 'DOUBLE', 'value_added': 'DOUBLE'}")
src = f"read_csv('{path}', header=true, columns={columns})"
q = f'''
WITH rows AS (
  SELECT month, enterprise_id AS id, region_code AS region,
         output_value AS o, value_added AS v
  FROM {src}
  WHERE month BETWEEN '2023-01' AND '2024-06'
),
cur AS (
  SELECT id, arg_max(region, month) AS region, sum(o) AS o, sum(v) AS v
  FROM rows WHERE month BETWEEN '2024-01' AND '2024-06' GROUP BY id
),
prev AS (
  SELECT id, sum(o) AS o_b, sum(v) AS v_b
  FROM rows WHERE month BETWEEN '2023-01' AND '2023-06' AND id IN (SELECT id FROM cur)
  GROUP BY id
)
SELECT region, count(*) AS n, sum(o) AS o, sum(coalesce(o_b, 0)) AS o_b,
       sum(v) AS v, sum(coalesce(v_b, 0)) AS v_b
FROM cur LEFT JOIN prev USING (id) GROUP BY region ORDER BY region
'''
rows = con.execute(q).fetchall()
with open(out, "w") as f:
    for r in rows:
        f.write(",".join(str(x) for x in r) + "\n")
"""

PANDAS_CHILD = r"""
import sys, pandas as pd
path, out = sys.argv[1], sys.argv[2]
df = pd.read_csv(path, dtype=str, usecols=["month", "enterprise_id", "region_code",
                                          "output_value", "value_added"])
for c in ["month", "enterprise_id", "region_code"]:
    df[c] = df[c].str.strip()
df["o"] = df["output_value"].astype(float)
df["v"] = df["value_added"].astype(float)
cur = df[(df.month >= "2024-01") & (df.month <= "2024-06")]
prev = df[(df.month >= "2023-01") & (df.month <= "2023-06")]
cur = cur.sort_values("month")
per = cur.groupby("enterprise_id").agg(region=("region_code", "last"), o=("o", "sum"), v=("v", "sum"))
base = prev[prev.enterprise_id.isin(per.index)].groupby("enterprise_id")[["o", "v"]].sum()
base.columns = ["o_b", "v_b"]
joined = per.join(base, how="left").fillna({"o_b": 0.0, "v_b": 0.0})
res = joined.groupby("region").agg(n=("o", "size"), o=("o", "sum"), o_b=("o_b", "sum"),
                                   v=("v", "sum"), v_b=("v_b", "sum"))
with open(out, "w") as f:
    for region, r in res.iterrows():
        f.write(f"{region},{int(r.n)},{r.o},{r.o_b},{r.v},{r.v_b}\n")
"""


def region_figures_from_review(summary_csv):
    """(region) -> (n, output level, output yoy %, va level, va yoy %)."""
    got = {}
    with open(summary_csv, newline="") as f:
        for r in csv.DictReader(f):
            if r["group"] != "total":
                continue
            key = (r["indicator"], r["measure"])
            got.setdefault(r["region_code"], {})[key] = r["value"]
    return got


def agree(review_csv, peer_file, name):
    """Checks a peer's per-region figures against review's summary.csv."""
    ours = region_figures_from_review(review_csv)
    problems = []
    with open(peer_file) as f:
        for line in f:
            region, n, o, o_b, v, v_b = line.strip().split(",")
            mine = ours.get(region)
            if mine is None:
                problems.append(f"{name}: region {region} not in review's summary")
                continue
            checks = [
                ("enterprises", float(n), float(mine[("enterprises", "level")])),
                ("output level", float(o), float(mine[("output_value", "level")])),
                ("output yoy", (float(o) / float(o_b) - 1) * 100,
                 float(mine[("output_value", "yoy_pct")])),
                ("value added yoy", (float(v) / float(v_b) - 1) * 100,
                 float(mine[("value_added", "yoy_pct")])),
            ]
            for what, theirs, ours_v in checks:
                if abs(theirs - ours_v) > 1e-6 * max(1.0, abs(ours_v)):
                    problems.append(f"{name}: {region} {what}: {theirs} vs review {ours_v}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--review", required=True)
    ap.add_argument("--gen-data", required=True)
    ap.add_argument("--python", required=True, help="the virtualenv's python")
    ap.add_argument("--work", required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out")
    ap.add_argument("--parts", default="e2e,agg,batch,scale",
                    help="which comparisons to run (comma-separated: e2e, agg, batch, scale)")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    quick = max(args.runs, 15)
    runs = max(1, min(args.runs, 3))
    work = args.work
    os.makedirs(work, exist_ok=True)
    env = env_with_epoch()
    results = []

    # 1. End to end on the sample vs typst-py compiling the same template.
    if 'e2e' in parts:
        out1 = os.path.join(work, "e2e")
        # From scratch: an earlier run's identical PDF would leave its summary.json.
        shutil.rmtree(out1, ignore_errors=True)
        review_cmd = [args.review, "--period", "H1", "--out", out1, "--force"]
        run(review_cmd, env=env)
        root = os.path.join(work, "typst-root")
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(os.path.join(REPO, "templates"), os.path.join(root, "templates"))
        shutil.copy(os.path.join(out1, "2024-H1", "summary.json"), os.path.join(root, "summary.json"))
        # The same evidence review attached (the input rows, the editors' files,
        # summary.csv, manifest.json), at the paths summary.json names: with
        # `evidence=true` typst-py then attaches and compresses the same files and
        # makes the same document. The stories' pictures are among them.
        pdf1 = os.path.join(out1, "2024-H1", "review-2024-H1.pdf")
        attached = int(run([args.python, "-c", EXTRACT_CHILD, pdf1, root])[1])
        def typst_cmd(evidence, out):
            return [args.python, "-c", TYPST_CHILD, root, os.path.join(REPO, "fonts"),
                    os.path.join(work, out), evidence]
        (t_review, m_review, _), (t_typst, m_typst, outs), (_, _, outs_bare) = measure_in_turn(
            [review_cmd, typst_cmd("true", "typst-py.pdf"), typst_cmd("false", "typst-py-bare.pdf")],
            quick, env=env)
        with open(os.path.join(work, "typst-py.pdf"), "rb") as f:
            theirs = f.read().count(b"/Type/EmbeddedFile")
        if theirs != attached:
            sys.exit(f"typst-py attached {theirs} files, review {attached}: not the same document")
        t_inner = statistics.median(float(o.strip()) for o in outs)
        t_bare = statistics.median(float(o.strip()) for o in outs_bare)
        results.append(("review --period H1, end to end (sample)", t_review, m_review, ""))
        results.append((f"typst-py 0.15.2: Python start, import and compile of templates/review.typ "
                        f"with the same {attached} files attached",
                        t_typst, m_typst, f"review ÷ this = {t_review / t_typst:.2f}×"))
        results.append(("typst-py 0.15.2: the compile call alone (same document)", t_inner, None,
                        f"review ÷ this = {t_review / t_inner:.2f}×"))
        results.append(("typst-py 0.15.2: the compile call alone, nothing attached", t_bare, None,
                        f"review ÷ this = {t_review / t_bare:.2f}×"))

    # 2. Aggregation on generated rows vs DuckDB and pandas.
    if 'agg' in parts:
        data = os.path.join(work, f"data-{args.rows}")
        marker = os.path.join(data, ".complete")
        if not os.path.exists(marker):
            run([args.gen_data, "--rows", str(args.rows), data])
            open(marker, "w").close()
        csv_path = os.path.join(data, "industry_monthly.csv")
        out2 = os.path.join(work, "agg")
        agg_cmd = [args.review, "--period", "H1", "--year", "2024", "--data", data, "--out", out2,
                   "--current-prices", "--summary-only", "--force"]
        run(agg_cmd, env=env)
        duck_out = os.path.join(work, "duckdb.csv")
        pandas_out = os.path.join(work, "pandas.csv")
        duck_cmd = [args.python, "-c", DUCKDB_CHILD, csv_path, duck_out]
        pandas_cmd = [args.python, "-c", PANDAS_CHILD, csv_path, pandas_out]
        run(duck_cmd)
        run(pandas_cmd)
        summary_csv = os.path.join(out2, "2024-H1", "summary.csv")
        problems = agree(summary_csv, duck_out, "DuckDB") + agree(summary_csv, pandas_out, "pandas")
        if problems:
            sys.exit("the figures disagree:\n" + "\n".join(problems[:20]))
        (t_agg, m_agg, _), (t_duck, m_duck, _) = measure_in_turn([agg_cmd, duck_cmd], runs, env=env)
        # pandas takes ~25 s a run: two rounds, each beside a run of review,
        # and the ratio from those (the machine's pace drifts over minutes).
        (t_agg_p, _, _), (t_pandas, m_pandas, _) = measure_in_turn(
            [agg_cmd, pandas_cmd], 2, env=env)
        rows = f"{args.rows:,}"
        results.append((f"review --summary-only on {rows} rows (validate every row, aggregate)",
                        t_agg, m_agg, ""))
        results.append((f"DuckDB, same comparable-scope figures, 2 threads", t_duck, m_duck,
                        f"review ÷ DuckDB = {t_agg / t_duck:.2f}×"))
        results.append((f"pandas, same figures", t_pandas, m_pandas,
                        f"pandas ÷ review = {t_pandas / t_agg_p:.1f}× (review beside it: {t_agg_p:.3f} s)"))

    # 3. --region all vs one process per bulletin.
    if 'batch' in parts:
        out3 = os.path.join(work, "batch")
        batch_cmd = [args.review, "--period", "H1", "--region", "all", "--out", out3, "--force"]
        run(batch_cmd, env=env)
        codes = []
        with open(os.path.join(REPO, "data", "regions.csv"), newline="") as f:
            for r in csv.DictReader(f):
                if r["parent_code"]:
                    codes.append(r["region_code"])
        script = " && ".join(
            [f"'{args.review}' --period H1 --out '{out3}-single' --force"]
            + [f"'{args.review}' --period H1 --region {c} --out '{out3}-single' --force" for c in codes]
        )
        single_cmd = ["sh", "-c", script]
        # typst-py compiling the same documents: each bulletin's summary.json
        # and attachments in a root of its own, the prefecture's first.
        roots = []
        for code in [None] + codes:
            folder = os.path.join(out3, "2024-H1") if code is None else os.path.join(out3, "2024-H1", code)
            stem = "review-2024-H1" if code is None else f"review-2024-H1-{code}"
            root = os.path.join(work, "typst-batch", stem)
            shutil.rmtree(root, ignore_errors=True)
            shutil.copytree(os.path.join(REPO, "templates"), os.path.join(root, "templates"))
            shutil.copy(os.path.join(folder, "summary.json"), os.path.join(root, "summary.json"))
            run([args.python, "-c", EXTRACT_CHILD, os.path.join(folder, stem + ".pdf"), root])
            roots.append(root)
        warm_cmd = [args.python, "-c", TYPST_WARM_CHILD, os.path.join(REPO, "fonts")] + roots
        (t_batch, m_batch, _), (t_single, m_single, _), (t_warm, m_warm, warm_outs) = measure_in_turn(
            [batch_cmd, single_cmd, warm_cmd], quick, env=env)
        t_warm_inner = statistics.median(float(o.strip()) for o in warm_outs)
        n = len(codes) + 1
        results.append((f"review --region all ({n} bulletins, one process)", t_batch, m_batch, ""))
        results.append((f"the same {n} bulletins, one process each", t_single, m_single,
                        f"this ÷ batch = {t_single / t_batch:.1f}×"))
        results.append((f"typst-py 0.15.2: one warm process compiling the same {n} documents one after "
                        f"the other (same attachments)", t_warm, m_warm,
                        f"batch ÷ this = {t_batch / t_warm:.2f}×"))
        results.append((f"typst-py 0.15.2: those {n} compile calls alone", t_warm_inner, None,
                        f"batch ÷ this = {t_batch / t_warm_inner:.2f}×"))

    # 4. Scale: a prefecture of 60 county-level units, as much data as the
    # sample, in one batch: time per bulletin against the nine-bulletin
    # batch's, and peak memory.
    if 'scale' in parts:
        data60 = os.path.join(work, "data-60-counties")
        shutil.rmtree(data60, ignore_errors=True)
        run([args.gen_data, "--rows", "12000", "--counties", "60", data60])
        out4 = os.path.join(work, "scale")
        big_cmd = [args.review, "--period", "H1", "--region", "all", "--data", data60,
                   "--out", out4, "--force"]
        nine_cmd = [args.review, "--period", "H1", "--region", "all",
                    "--out", os.path.join(work, "scale-nine"), "--force"]
        run(big_cmd, env=env)
        (t_big, m_big, _), (t_nine, m_nine, _) = measure_in_turn([big_cmd, nine_cmd], runs, env=env)
        results.append(("review --region all, 61 bulletins (gen-data --counties 60, 12,000 rows)",
                        t_big, m_big,
                        f"per bulletin ÷ the 9-bulletin batch's = {(t_big / 61) / (t_nine / 9):.2f}×"))
        results.append(("review --region all, the sample's 9 bulletins, beside it", t_nine, m_nine, ""))

    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores; each pair run in turn, "
        f"median of {quick} rounds (aggregation: {runs}, pandas: 2); peak memory is the process's max RSS.",
        "",
        "| what | median wall time | peak memory | ratio |",
        "| --- | ---: | ---: | --- |",
    ]
    for what, t, m, ratio in results:
        mem = "—" if m is None else f"{m:,.0f} MiB"
        lines.append(f"| {what} | {t:.3f} s | {mem} | {ratio} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
