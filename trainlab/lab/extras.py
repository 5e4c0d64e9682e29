"""Study-specific report sections, named by a study's ``study.report`` list.

A section is a function ``(summary, rows) -> list of blocks`` (the block types of
:mod:`trainlab.lab.report`). Register new ones in :data:`SECTIONS`; a study naming an unknown
section is refused when it is loaded.
"""
from __future__ import annotations

STAR_RULE = ("Stars from ranks among the n arms (rank 1 = best): ★★★ for the top third, ★★ for the middle "
             "third, ★ for the bottom third, i.e. stars = 3 − ⌊3·(rank − 1)/n⌋. Speed ranks the mean "
             "seconds to the target (arms that never reached it share the last rank); quality ranks the mean "
             "final test {metric}.")


def ranks(values: list, goal: str) -> list[int]:
    """Competition ranks (1 = best; ties share a rank); None values share the last rank."""
    known = [v for v in values if v is not None]

    def rank(value) -> int:
        if value is None:
            return len(known) + 1
        return 1 + sum(1 for v in known if (v > value if goal == "max" else v < value))

    return [rank(value) for value in values]


def stars(rank: int, count: int) -> str:
    return "★" * (3 - (3 * (rank - 1)) // count)


def star_table(summary: dict, rows: list[dict]) -> list[tuple]:
    """The notes' optimizer star table (speed, quality), rebuilt from the measurements."""
    base = summary["base"]
    speed = [row["seconds_to_target_mean"] for row in rows]
    quality = [row[f"test_{base}_mean"] for row in rows]
    speed_ranks, quality_ranks = ranks(speed, "min"), ranks(quality, summary["goal"])
    count = len(rows)
    table = []
    for row, arm, s_rank, q_rank in zip(rows, summary["arms"], speed_ranks, quality_ranks):
        table.append([row["label"], _seconds(row["seconds_to_target_mean"]), str(s_rank), stars(s_rank, count),
                      _value(row[f"test_{base}_mean"]), str(q_rank), stars(q_rank, count), arm.claim or "—"])
    return [
        ("h2", "Star table (speed, quality), measured"),
        ("p", STAR_RULE.format(metric=base)),
        ("table", ["arm", "seconds to target", "speed rank", "speed", f"test {base}", "quality rank", "quality",
                   "the notes say"], table),
    ]


def _seconds(value) -> str:
    return "not reached" if value is None else f"{value:.2f}"


def _value(value) -> str:
    return "—" if value is None else f"{value:.4f}"


SECTIONS = {"star_table": star_table}
