"""``trainlab lab report DIR``: ``results.csv``, ``report.md`` and a self-contained ``report.html``.

The report is a pure function of the output directory's records, manifest and session log:
:func:`blocks` builds a list of blocks (``("h1" | "h2" | "p" | "banner", text)``, ``("table",
headers, rows)``, ``("figure", stem, caption, png)``), rendered once as Markdown (figures saved
beside it under ``figures/``) and once as HTML (figures embedded as base64 PNG). The text and
tables are in :mod:`trainlab.lab.tables`; this module assembles and writes them.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

from trainlab.lab import extras, plots, tables
from trainlab.lab.records import RecordStore, write_atomic
from trainlab.lab.results import rows, summarize
from trainlab.lab.runner import SESSIONS
from trainlab.lab.study import Study, from_manifest

QUICK_BANNER = ("Smoke run (--quick), not evidence: a tiny variant of the study (less data, fewer epochs, a "
                "reduced grid) that only checks that it runs end to end. Do not cite these numbers; run the "
                "study without --quick for results.")


def blocks(study: Study, records: list[dict], sessions: list[dict]) -> tuple[list[tuple], list[dict]]:
    """The report's blocks and the rows of ``results.csv``, from the records alone."""
    summary = summarize(study.spec, records)
    table = rows(summary)
    quick = study.invocation.get("quick")
    content = [("h1", f"Study: {study.name}" + (" (smoke run)" if quick else "")),
               *([("banner", QUICK_BANNER)] if quick else []),
               ("p", study.spec["study"]["description"]),
               ("h2", "Setup"), tables.setup(study, records, summary),
               ("h2", "Arms"), tables.arms(study, summary),
               ("h2", "Protocol and statistics"), ("p", tables.protocol_text(study, summary)),
               ("h2", f"Test {summary['base']}: each arm against {summary['baseline']}"),
               tables.quality(summary, table),
               ("h2", "Speed: epochs and optimizer steps to the target"), *tables.speed(summary, table),
               ("h2", "Other measurements"), tables.other(summary, table), *tables.failures(records)]
    for stem, (heading, caption, png) in plots.standard_figures(summary).items():
        content += [("h2", heading), ("figure", stem, caption, png)]
    if len(summary["arms"]) > plots.MAX_CURVE_ARMS:
        content.append(("p", f"The per-arm curve figures (learning curves, learning rates, tuning) are left out: "
                             f"with {len(summary['arms'])} arms their lines could not be told apart. The per-epoch "
                             f"values are in the records; the study's own figures below summarize them."))
    sections = extras.load_sections()
    for name in study.spec["study"]["report"]:
        content += sections[name](summary, table)
    content += [("h2", "Provenance"), tables.provenance(study, records, sessions, summary)]
    return content, table


def to_markdown(content: list[tuple]) -> str:
    lines = []
    for block in content:
        kind = block[0]
        if kind == "h1":
            lines += [f"# {block[1]}", ""]
        elif kind == "h2":
            lines += [f"## {block[1]}", ""]
        elif kind == "banner":
            lines += [f"> **⚠ {block[1]}**", ""]
        elif kind == "p":
            lines += [block[1], ""] if block[1] else []
        elif kind == "table":
            headers, body = block[1], block[2]
            lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body] + [""]
        elif kind == "figure":
            lines += [f"![{block[2]}](figures/{block[1]}.png)", "", f"*{block[2]}*", ""]
    return "\n".join(lines)


STYLE = ("body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;line-height:1.4}"
         "div.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.8em 0;font-size:.88em}"
         "td,th{border:1px solid #d0d7de;padding:.25em .55em;text-align:left;vertical-align:top}"
         # numbers and intervals never break inside; names (first column) and sentences (last) wrap
         "td{white-space:nowrap}td:first-child,td:last-child{white-space:normal}"
         "th{background:#f6f8fa}tr:nth-child(even) td{background:#fbfbfc}"
         ".banner{border:2px solid #b42318;background:#fff1f0;padding:.6em 1em;font-weight:bold}"
         "img{max-width:100%}figure{margin:1em 0}figcaption{color:#57606a;font-size:.9em}")


def to_html(content: list[tuple], title: str) -> str:
    parts = []
    for block in content:
        kind = block[0]
        if kind in ("h1", "h2"):
            parts.append(f"<{kind}>{html.escape(block[1])}</{kind}>")
        elif kind == "banner":
            parts.append(f'<p class="banner">⚠ {html.escape(block[1])}</p>')
        elif kind == "p":
            parts.append(f"<p>{html.escape(block[1])}</p>")
        elif kind == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
            head = f"<thead><tr>{head}</tr></thead>" if any(block[1]) else ""  # a facts table has no header
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block[2])
            parts.append(f'<div class="scroll"><table>{head}<tbody>{body}</tbody></table></div>')
        elif kind == "figure":
            data = base64.b64encode(block[3]).decode("ascii")
            parts.append(f'<figure><img alt="{html.escape(block[2])}" src="data:image/png;base64,{data}">'
                         f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


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
    study = from_manifest(store.manifest())
    sessions_path = root / SESSIONS
    sessions = json.loads(sessions_path.read_text(encoding="utf-8")) if sessions_path.is_file() else []
    content, table = blocks(study, store.records(), sessions)
    paths = {"csv": root / "results.csv", "markdown": root / "report.md", "html": root / "report.html"}
    write_atomic(paths["csv"], to_csv(table))
    figures = root / "figures"
    drawn = {f"{block[1]}.png": block[3] for block in content if block[0] == "figure"}
    for stale in figures.glob("*.png") if figures.is_dir() else []:
        if stale.name not in drawn:  # a figure an earlier report drew and this one does not
            stale.unlink()
    for name, png in drawn.items():
        figures.mkdir(exist_ok=True)
        (figures / name).write_bytes(png)
    write_atomic(paths["markdown"], to_markdown(content))
    write_atomic(paths["html"], to_html(content, f"trainlab lab: {study.name}"))
    return paths
