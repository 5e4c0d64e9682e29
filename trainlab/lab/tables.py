"""The report's text and tables: what was run, how it was judged, and the verdicts.

Every function returns report blocks (see :mod:`trainlab.lab.report`) built from the study, the
records and :func:`trainlab.lab.results.summarize`. Tables stay readable on a 1280-pixel screen:
a grid dimension's path goes in the column header, never in every row; components print as
``name(argument=value)``, never as Python dicts; numbers have a fixed number of digits.
"""
from __future__ import annotations

from trainlab.lab.protocol import describe_points, seed_counts, tuning_metric
from trainlab.lab.statistics import BOOTSTRAP_MIN_PAIRS, mean_std
from trainlab.lab.study import Study

NBSP = "\u00a0"  # keeps an interval on one line when a table cell wraps


def number(value, digits: int = 4, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def spread(values, digits: int = 4) -> str:
    """``mean ± std`` over seeds (``mean`` alone for a single value; ``—`` for none)."""
    mean, std = mean_std(values)
    if mean is None:
        return "—"
    return number(mean, digits) if std is None else f"{mean:.{digits}f} ± {std:.{digits}f}"


def describe_value(value) -> str:
    """A setting in words: a component table as ``name(argument=value, …)``, lists as ``[…]``."""
    if isinstance(value, dict):
        if not value:
            return "none"
        arguments = ", ".join(f"{key}={describe_value(item)}" for key, item in value.items() if key != "name")
        return f"{value.get('name', '')}({arguments})" if "name" in value else "{" + arguments + "}"
    if isinstance(value, list):
        return "[" + ", ".join(describe_value(item) for item in value) + "]"
    return str(value).lower() if isinstance(value, bool) else str(value)


def short_paths(paths) -> dict[str, str]:
    """Each dotted path's last part, or the whole path where two would read alike."""
    last = [path.rsplit(".", 1)[-1] for path in paths]
    return {path: short if last.count(short) == 1 else path for path, short in zip(paths, last)}


def architecture(model: dict) -> str:
    """The network of :func:`trainlab.lab.build.build_model` in one line."""
    units = model["hidden"]
    groups = []
    for width in units:
        if groups and groups[-1][0] == width:
            groups[-1][1] += 1
        else:
            groups.append([width, 1])
    bn = (f"BatchNormalization(momentum={model.get('batchnorm_momentum', 0.99)}, "
          f"epsilon={model.get('batchnorm_epsilon', 0.001)})")
    if model["batchnorm"] == "before":
        block = f"Dense({{}}, no bias) → {bn} → {model['activation']}"
    else:
        block = f"Dense({{}}, {model['activation']})" + (f" → {bn}" if model["batchnorm"] == "after" else "")
    extras = [f"Dropout({model['dropout']})"] if model["dropout"] else []
    extras += [f"AlphaDropout({model['alpha_dropout']})"] if model["alpha_dropout"] else []
    block = " → ".join([block, *extras])
    hidden = " → ".join(f"{count} × [{block.format(width)}]" if count > 1 else f"[{block.format(width)}]"
                        for width, count in groups)
    details = [f"kernel init {describe_value(model['initializer'])}"]
    if model["kernel_regularizer"]:
        details.append(f"regularizer {describe_value(model['kernel_regularizer'])}")
    if model["max_norm"]:
        details.append(f"max-norm {model['max_norm']}")
    return f"Flatten → {hidden} → Dense(classes, softmax); {', '.join(details)}"


def _sizes(records: list[dict]) -> str:
    sizes = sorted({tuple(sorted(r["sizes"].items())) for r in records if r.get("sizes")})
    if not sizes:
        return "not recorded (records written before trainlab stored split sizes)"
    return "; ".join(f"{dict(s)['train']:,} training, {dict(s)['validation']:,} validation, {dict(s)['test']:,} test "
                     f"images" for s in sizes)


def _invocation(study: Study) -> str:
    invocation = study.invocation
    if not invocation:
        return "not recorded (directory written before trainlab stored it)"
    options = [f"--{key} {invocation[key]}" for key in ("data", "epochs", "seeds", "target") if key in invocation]
    options += ["--quick"] if invocation.get("quick") else []
    options += [f"--set {assignment}" for assignment in invocation.get("set", [])]
    options += [f"--arms {','.join(invocation['arms'])}"] if invocation.get("arms") else []
    return " ".join(options) or "none (the study as written)"


def setup(study: Study, records: list[dict], summary: dict) -> tuple:
    spec = study.spec
    training, goal = spec["training"], "≥" if summary["goal"] == "max" else "≤"
    optimizer = describe_value(training["optimizer"]) + (f", schedule {describe_value(training['schedule'])}"
                                                        if training["schedule"] else "")
    facts = [
        ("run", "smoke run (--quick): not evidence" if study.invocation.get("quick") else "full study"),
        ("dataset", f"{spec['data']['name']}" + (f", classes {spec['data']['classes']}" if spec["data"]["classes"]
                                                 else "")),
        ("split sizes", _sizes(records)),
        ("network", architecture(spec["model"])),
        ("training", f"{training['epochs']} epochs, batch {training['batch_size']}, loss {training['loss']}, "
                     f"optimizer {optimizer} (arms override it)"),
        ("target", f"{summary['metric']} {goal} {summary['target']}"),
        ("options given", _invocation(study)),
    ]
    return "table", ["", ""], [list(fact) for fact in facts]


def arms(study: Study, summary: dict) -> tuple:
    """What each arm changes, and the setting its tuning chose."""
    paths = short_paths(list(study.spec["tuning"]["grid"]))
    body = []
    for arm, result in zip(study.spec["arms"], summary["arms"]):
        changes = "; ".join(f"{path} = {describe_value(value)}" for path, value in arm["set"].items()) or "—"
        chosen = ", ".join(f"{paths.get(path, path)} = {value}" for path, value in (result.chosen or {}).items())
        tested = summary["range_tests"].get(arm["name"])
        if tested:
            chosen += f"; range test rate = {tested['range_test']['suggested_learning_rate']:.4g}"
        body.append([arm["label"] + (" (baseline)" if arm["name"] == summary["baseline"] else ""), changes,
                     chosen or "not selected (no tuning run finished ok)", arm.get("claim") or "—"])
    return "table", ["arm", "setting", "chosen by tuning", "the notes say"], body


def protocol_text(study: Study, summary: dict) -> str:
    spec = study.spec
    counts = seed_counts(spec)
    n_seeds = len(summary["seeds"])
    if len(counts) == 1:
        seeds = f"{n_seeds} paired seeds ({', '.join(map(str, summary['seeds']))})"
        level = f"familywise α = {summary['alpha']:g}"
    else:
        seeds = (f"paired seeds added sequentially ({', '.join(map(str, counts))} seeds at most; stopped with "
                 f"{n_seeds})")
        level = (f"α = 0.05 split over {summary['looks']} possible looks (Bonferroni over looks, so stopping on the "
                 f"data keeps the familywise error ≤ 0.05): each look tests at {summary['alpha']:.4g}")
    budget_text = "a seed that never reached it counts as the whole budget (a lower bound on its time)"
    return (f"Factor: {spec['study']['factor']} ({len(spec['arms'])} arms, baseline {summary['baseline']}). Each arm "
            f"tried the same {describe_points(spec)} on tuning seed {spec['protocol']['tune_seed']}, scored by the "
            f"best epoch of {tuning_metric(study)} on the validation split. The chosen setting reran on {seeds}, "
            f"shared by every arm (a seed fixes the initialization and the data order); only these final runs read the "
            f"test split, once, after their last epoch. "
            f"Statistics: each arm is compared with the baseline on the seeds both finished (n per row) by a paired "
            f"t-test; Holm's step-down procedure corrects for the {len(spec['arms']) - 1} comparisons ({level}). "
            f"Each interval is the paired t interval at the level Holm tested that comparison at (shown beside "
            f"it), so an interval excludes 0 exactly when the verdict is \"better\"/\"worse\"; \"not "
            f"distinguishable\" means the data cannot tell the arm from the baseline at this n, not that they "
            f"are equal. Equal differences on every seed (no spread) use the exact sign test. A bootstrap interval "
            f"is added to results.csv only from {BOOTSTRAP_MIN_PAIRS} pairs (below that a percentile bootstrap "
            f"undercovers). Speed is the epochs (and optimizer steps) until {summary['metric']} reaches the "
            f"target, from the recorded validation checks (interpolated between epoch ends), so it is identical "
            f"on any machine; speed verdicts compare steps the same way, where {budget_text}. Wall seconds are "
            f"cost only. Means ± sample standard deviations are over seeds.")


def _interval(comparison) -> str:
    if comparison is None or comparison.low is None:
        return "—"
    return f"[{comparison.low:+.4f},{NBSP}{comparison.high:+.4f}] at {100 * comparison.confidence:.4g}{NBSP}%"


def _p(value) -> str:
    return "—" if value is None else ("< 0.001" if value < 0.001 else f"{value:.3f}")


def quality(summary: dict, table: list[dict]) -> tuple:
    """Per arm: n, test value, paired Δ to the baseline with its interval, Holm p, verdict."""
    base, paths = summary["base"], short_paths(_grid_paths(summary))
    headers = ["arm", *(f"chosen {short}" for short in paths.values()), "n", f"test {base}",
               f"Δ vs {summary['baseline']}", "interval", "p (Holm)", "verdict"]
    body = []
    for arm, row in zip(summary["arms"], table):
        comparison = summary["quality"].get(arm.name)
        chosen = [str((arm.chosen or {}).get(path, "—")) for path in paths]
        if comparison is None:
            body.append([arm.label, *chosen, str(len(arm.runs)), spread(arm.per_seed[f"test_{base}"]),
                         "—", "—", "—", "baseline"])
            continue
        body.append([arm.label, *chosen, str(comparison.n), spread(arm.per_seed[f"test_{base}"]),
                     number(comparison.mean, signed=True), _interval(comparison), _p(comparison.p_holm),
                     comparison.verdict + _dropped(comparison)])
    return "table", headers, body


def _grid_paths(summary: dict) -> list[str]:
    return list(dict.fromkeys(path for arm in summary["arms"] for path in (arm.chosen or {})))


def _dropped(comparison) -> str:
    return f" (seeds {', '.join(map(str, comparison.dropped))} unpaired)" if comparison.dropped else ""


def speed(summary: dict, table: list[dict]) -> list[tuple]:
    goal = "≥" if summary["goal"] == "max" else "≤"
    target = f"{summary['metric']} {goal} {summary['target']}"
    if not summary["reached_any"]:
        return [("p", f"No arm reached the target ({target}) on any seed within the {summary['budget']}-epoch "
                      f"budget, so there is no speed comparison and no speed stars. Pick a reachable target "
                      f"(--target or --set target.value=...) to compare speed.")]
    unit = summary["speed_unit"]
    headers = ["arm", "reached", "epochs to target", "steps to target", f"Δ {unit} vs {summary['baseline']}",
               "interval", "verdict", "seconds to target (cost)"]
    body = []
    for arm, row in zip(summary["arms"], table):
        comparison = summary["speed"].get(arm.name)
        digits = 0 if unit == "steps" else 2
        body.append([arm.label, row["reached"], spread(arm.per_seed["epochs_to_target"], 2),
                     spread(arm.per_seed["steps_to_target"], 0),
                     "—" if comparison is None else number(comparison.mean, digits, signed=True),
                     "—" if comparison is None or comparison.low is None else
                     f"[{comparison.low:+.{digits}f},{NBSP}{comparison.high:+.{digits}f}]",
                     "baseline" if comparison is None else comparison.verdict + _dropped(comparison),
                     spread(arm.per_seed["seconds_to_target"], 2)])
    return [("p", f"Target: {target}. Epochs and steps average the seeds that reached it; the Δ compares every "
                  f"paired seed, one that never reached it counted at the {summary['budget']}-epoch budget."),
            ("table", headers, body)]


def other(summary: dict, table: list[dict]) -> tuple:
    base = summary["base"]
    extra = [m for m in summary["test_metrics"] if m != base]
    headers = ["arm", f"final val {base}", f"best val {base}", *(f"test {m}" for m in extra),
               "seconds per run (cost)", "diverged", "crashed"]
    body = [[arm.label, spread(arm.per_seed["final_val"]), spread(arm.per_seed["best_val"]),
             *(spread(arm.per_seed[f"test_{m}"]) for m in extra), spread(arm.per_seed["wall_seconds"], 1),
             str(row["diverged"]), str(row["crashed"])] for arm, row in zip(summary["arms"], table)]
    return "table", headers, body


def failures(records: list[dict]) -> list[tuple]:
    failed = [r for r in records if r["status"] != "ok"]
    if not failed:
        return []
    body = [[r["key"], r["status"], _shorten((r["error"] or "").strip().splitlines()[-1])] for r in failed]
    return [("h2", "Runs that did not finish ok"), ("table", ["run", "status", "error"], body)]


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def provenance(study: Study, records: list[dict], sessions: list[dict], summary: dict) -> tuple:
    environments = [r["environment"] for r in records]

    def distinct(key):
        return ", ".join(sorted({str(e[key]) for e in environments})) or "—"

    final_hashes = sorted({f"{r['arm']}: {r['config_hash']}" for r in records if r["phase"] == "final"})
    compute = sum(r["timing"]["wall_seconds"] or 0.0 for r in records)
    facts = [
        ("study", f"{study.name} ({study.source})"),
        ("study hash", study.hash),
        ("final config hashes", "; ".join(final_hashes) or "—"),
        ("tuning seed / final seeds", f"{study.spec['protocol']['tune_seed']} / "
                                      f"{', '.join(map(str, summary['seeds'])) or '—'}"),
        ("trainlab version", distinct("trainlab")),
        ("python / numpy", f"{distinct('python')} / {distinct('numpy')}"),
        ("machine", f"{distinct('platform')}, {distinct('cpu_count')} CPUs"),
        ("runs recorded", str(len(records))),
        ("compute time (sum over runs)", f"{compute:.1f} s"),
        ("wall time (all `lab run` sessions)", f"{sum(s['wall_seconds'] for s in sessions):.1f} s "
                                               f"in {len(sessions)} session(s)"),
    ]
    return "table", ["", ""], [list(fact) for fact in facts]
