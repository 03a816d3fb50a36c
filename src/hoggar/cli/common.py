"""Options and helpers shared by the command-line modules."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from hoggar.context import Node
from hoggar.kernel.errors import HoggarError
from hoggar.kernel.settings import DATA_DIR_ENV, Settings, load_settings
from hoggar.node.service import open_node

console = Console(stderr=True)
out = Console(soft_wrap=True)

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        "-d",
        envvar=DATA_DIR_ENV,
        help="The node's directory (keys, SQLite file). $HOGGAR_DATABASE_URL, if set, "
        "selects PostgreSQL instead of the SQLite file.",
    ),
]
DEFAULT_DATA_DIR = Path("./hoggar-data")

F = TypeVar("F", bound=Callable[..., Any])


def settings_for(data_dir: Path) -> Settings:
    return load_settings(data_dir)


@contextmanager
def opened(data_dir: Path) -> Iterator[Node]:
    node = open_node(settings_for(data_dir))
    try:
        yield node
    finally:
        node.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def handle_errors(func: F) -> F:
    """Core errors become a one-line message and exit code 1, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HoggarError as exc:
            console.print(f"[bold red]error:[/] {exc.message}")
            for p in exc.problems:
                console.print(f"  {p.where}: {p.message}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]
