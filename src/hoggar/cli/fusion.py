"""`hoggar fusion …`: reports of the same event, and the scorer's evaluation."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, handle_errors, opened, out
from hoggar.context import Principal, Role
from hoggar.fusion import service
from hoggar.fusion.score import DEFAULT_THRESHOLD
from hoggar.fusion.truth import evaluate, generate

fusion_app = typer.Typer(
    help="Reports of the same event by several states.\n\n"
    "Example: hoggar fusion candidates incident--…",
    no_args_is_help=True,
)


@fusion_app.command("candidates")
@handle_errors
def candidates(
    incident: Annotated[str, typer.Argument(help="The incident's STIX id")],
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = DEFAULT_THRESHOLD,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Incidents that may report the same event, with the score and its reasons.

    Example: hoggar fusion candidates incident--4f1c… --threshold 0.6
    """
    with opened(data_dir) as node, node.db.session() as session:
        me = Principal(org_id=node.org_id, name="cli", role=Role.ANALYST)
        found = service.find_candidates(session, me, incident, threshold=threshold)
    table = Table("score", "incident", "originator", "why")
    for c in found:
        table.add_row(
            f"{c.match.score:.2f}",
            f"{c.incident.get('name', '')}\n{c.incident['id']}",
            str(c.incident.get("created_by_ref", "")),
            "\n".join(c.match.explanation),
        )
    out.print(table if found else "no candidate above the threshold")


@fusion_app.command("eval")
@handle_errors
def eval_cmd(
    events: Annotated[int, typer.Option(min=10, max=100_000)] = 400,
    seed: Annotated[int, typer.Option()] = 11,
    threshold: Annotated[list[float] | None, typer.Option(help="Repeat to compare")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Precision and recall of duplicate detection on synthetic ground truth.

    Example: hoggar fusion eval --events 400 --seed 11 --threshold 0.65 --threshold 0.72
    """
    truth = generate(events, seed)
    rows = [evaluate(truth, t) for t in (threshold or [DEFAULT_THRESHOLD])]
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        "threshold": r.threshold,
                        "reports": len(truth.reports),
                        "true_pairs": r.true_pairs,
                        "predicted": r.predicted,
                        "precision": round(r.precision, 4),
                        "recall": round(r.recall, 4),
                    }
                    for r in rows
                ]
            )
        )
        return
    table = Table(
        "threshold", "reports", "true pairs", "predicted", "correct", "precision", "recall"
    )
    for r in rows:
        table.add_row(
            f"{r.threshold:.2f}",
            str(len(truth.reports)),
            str(r.true_pairs),
            str(r.predicted),
            str(r.correct),
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
        )
    out.print(table)
