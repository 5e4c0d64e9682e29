"""``trainlab lab report DIR``: ``results.csv``, ``report.md`` and a self-contained ``report.html``.

The report is a pure function of the output directory's records, manifest and session log:
:func:`blocks` builds a list of blocks (``("h1" | "h2" | "p", text)``, ``("table", headers,
rows)``, ``("figure", stem, caption, png)``), rendered once as Markdown (figures saved beside it
under ``figures/``) and once as HTML (figures embedded as base64 PNG).
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from trainlab.lab import extras, plots
from trainlab.lab.protocol import describe_points, final_seeds, grid_points, tuning_metric
from trainlab.lab.records import RecordStore, write_atomic
from trainlab.lab.results import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, rows, summarize
from trainlab.lab.runner import SESSIONS
from trainlab.lab.study import Study, from_manifest


def _spread(row: dict, column: str, digits: int = 4) -> str:
    mean, std = row[f"{column}_mean"], row[f"{column}_std"]
    return "—" if mean is None else f"{mean:.{digits}f} ± {std:.{digits}f}"


def _difference(row: dict, column: str, is_baseline: bool) -> str:
    if is_baseline:
        return "baseline"
    mean, low, high = (row[f"{column}_{part}"] for part in ("mean", "low", "high"))
    if mean is None:
        return "—"
    interval = "" if low is None else f" [{low:+.4f}, {high:+.4f}]"
    return f"{mean:+.4f}{interval}"


def results_table(summary: dict, table: list[dict]) -> tuple:
    base = summary["base"]
    headers = ["arm", "chosen", f"final val {base}", f"best val {base}", *(f"test {m}" for m in summary["test_metrics"]),
               f"Δ test {base} vs {summary['baseline']} [95% CI]", "reached target", "epochs to target",
               "seconds to target", "diverged", "crashed"]
    body = [[row["label"], row["chosen"], _spread(row, f"final_val_{base}"), _spread(row, f"best_val_{base}"),
             *(_spread(row, f"test_{m}") for m in summary["test_metrics"]),
             _difference(row, f"diff_test_{base}", row["arm"] == summary["baseline"]), row["reached"],
             _spread(row, "epochs_to_target", 1), _spread(row, "seconds_to_target", 2), str(row["diverged"]),
             str(row["crashed"])] for row in table]
    return "table", headers, body


def protocol_text(study: Study, summary: dict) -> str:
    spec = study.spec
    goal = "≥" if summary["goal"] == "max" else "≤"
    return (f"Factor: {spec['study']['factor']} ({len(spec['arms'])} arms, baseline {summary['baseline']}). "
            f"Each arm tried the same {len(grid_points(study))} {describe_points(spec)} on tuning seed "
            f"{spec['protocol']['tune_seed']}, scored by the best epoch of {tuning_metric(study)} on the validation "
            f"split. The chosen setting reran on seeds {summary['seeds']}, paired across arms (a seed fixes the "
            f"initialization and the data order); only these final runs read the test split, once, after their "
            f"last epoch. Dataset {spec['data']['name']}, {spec['training']['epochs']} epochs, batch "
            f"{spec['training']['batch_size']}. Target: {summary['metric']} {goal} {summary['target']}. "
            f"Means ± sample standard deviations over the seeds that finished ok; the paired difference's 95% "
            f"interval is a percentile bootstrap over seeds ({BOOTSTRAP_RESAMPLES} resamples, seed "
            f"{BOOTSTRAP_SEED}). Epochs and seconds to target average the seeds that reached it.")


def failures_table(records: list[dict]) -> list[tuple]:
    failed = [r for r in records if r["status"] != "ok"]
    if not failed:
        return []
    body = [[r["key"], r["status"], (r["error"] or "").strip().splitlines()[-1][:160]] for r in failed]
    return [("h2", "Runs that did not finish ok"), ("table", ["run", "status", "error"], body)]


def provenance(study: Study, records: list[dict], sessions: list[dict]) -> tuple:
    environments = [r["environment"] for r in records]

    def distinct(key):
        return ", ".join(sorted({str(e[key]) for e in environments})) or "—"

    final_hashes = sorted({f"{r['arm']}: {r['config_hash']}" for r in records if r["phase"] == "final"})
    compute = sum(r["timing"]["wall_seconds"] or 0.0 for r in records)
    facts = [
        ("study", f"{study.name} ({study.source})"),
        ("study hash", study.hash),
        ("final config hashes", "; ".join(final_hashes) or "—"),
        ("tuning seed / final seeds", f"{study.spec['protocol']['tune_seed']} / {final_seeds(study.spec)}"),
        ("trainlab version", distinct("trainlab")),
        ("python / numpy", f"{distinct('python')} / {distinct('numpy')}"),
        ("machine", f"{distinct('platform')}, {distinct('cpu_count')} CPUs"),
        ("runs recorded", str(len(records))),
        ("compute time (sum over runs)", f"{compute:.1f} s"),
        ("wall time (all `lab run` sessions)", f"{sum(s['wall_seconds'] for s in sessions):.1f} s "
                                               f"in {len(sessions)} session(s)"),
    ]
    return "table", ["", ""], [list(fact) for fact in facts]


def blocks(study: Study, records: list[dict], sessions: list[dict]) -> tuple[list[tuple], list[dict]]:
    """The report's blocks and the rows of ``results.csv``, from the records alone."""
    summary = summarize(study.spec, records)
    table = rows(summary)
    content = [("h1", f"Study: {study.name}"), ("p", study.spec["study"]["description"]),
               ("h2", "Protocol"), ("p", protocol_text(study, summary)),
               ("h2", "Results"), results_table(summary, table), *failures_table(records)]
    for stem, (caption, png) in plots.standard_figures(summary).items():
        content += [("h2", caption), ("figure", stem, caption, png)]
    sections = extras.load_sections()
    for name in study.spec["study"]["report"]:
        content += sections[name](summary, table)
    content += [("h2", "Provenance"), provenance(study, records, sessions)]
    return content, table


def to_markdown(content: list[tuple]) -> str:
    lines = []
    for block in content:
        kind = block[0]
        if kind == "h1":
            lines += [f"# {block[1]}", ""]
        elif kind == "h2":
            lines += [f"## {block[1]}", ""]
        elif kind == "p":
            lines += [block[1], ""] if block[1] else []
        elif kind == "table":
            headers, body = block[1], block[2]
            lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body] + [""]
        elif kind == "figure":
            lines += [f"![{block[2]}](figures/{block[1]}.png)", ""]
    return "\n".join(lines)


def to_html(content: list[tuple], title: str) -> str:
    parts = []
    for block in content:
        kind = block[0]
        if kind in ("h1", "h2"):
            parts.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "p":
            parts.append(f"<p>{html.escape(block[1])}</p>")
        elif kind == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block[2])
            parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')
        elif kind == "figure":
            data = base64.b64encode(block[3]).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "div.scroll{overflow-x:auto}table{border-collapse:collapse;margin:1em 0;font-size:.9em}"
             "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;white-space:nowrap}"
             "img{max-width:100%}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def to_csv(table: list[dict]) -> str:
    """Floats written with ``repr`` so they read back exactly; missing values are empty."""
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({key: "" if value is None else repr(value) if isinstance(value, float) else value
                         for key, value in row.items()})
    return stream.getvalue()


def write_report(out) -> dict[str, Path]:
    """Write ``results.csv``, ``report.md``, ``figures/*.png`` and ``report.html`` into ``out``."""
    root = Path(out)
    store = RecordStore(root)
    manifest = store.manifest()
    study = from_manifest(manifest["study"], manifest["source"])
    sessions_path = root / SESSIONS
    sessions = json.loads(sessions_path.read_text(encoding="utf-8")) if sessions_path.is_file() else []
    content, table = blocks(study, store.records(), sessions)
    paths = {"csv": root / "results.csv", "markdown": root / "report.md", "html": root / "report.html"}
    write_atomic(paths["csv"], to_csv(table))
    for block in content:
        if block[0] == "figure":
            figure = root / "figures" / f"{block[1]}.png"
            figure.parent.mkdir(exist_ok=True)
            figure.write_bytes(block[3])
    write_atomic(paths["markdown"], to_markdown(content))
    write_atomic(paths["html"], to_html(content, f"trainlab lab: {study.name}"))
    return paths
