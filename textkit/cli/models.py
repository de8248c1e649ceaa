"""``textkit models``: list, show, delete, export, import and upgrade saved models."""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import human_size, note, table


def register(app: typer.Typer) -> None:
    models = typer.Typer(
        name="models", help="List, inspect, delete, export, import and upgrade saved models.", no_args_is_help=True
    )
    models.command("list")(list_models)
    models.command("show")(show)
    models.command("delete")(delete)
    models.command("export")(export)
    models.command("import")(import_)
    models.command("upgrade")(upgrade)
    app.add_typer(models)


def _store(models_dir: Optional[str]) -> Any:
    from textkit.store import ModelStore

    return ModelStore(models_dir)


def list_models(
    models_dir: Optional[str] = opt.MODELS_DIR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the saved models: name, kind, created, size, main metric (broken ones say why)."""
    store = _store(models_dir)
    rows = store.list()
    if as_json:
        typer.echo(json.dumps([row.to_dict() for row in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        note(f"no models in {store.root}")
        return
    typer.echo(
        table(
            [
                (
                    row.name,
                    row.kind or "BROKEN",
                    row.created or "-",
                    human_size(row.bytes),
                    f"{row.metric[0]}={row.metric[1]:.3f}" if row.metric else "-",
                )
                for row in rows
            ],
            ["name", "kind", "created", "size", "main metric"],
        )
    )
    for row in rows:
        if row.problem:
            note(f"{row.name}: {row.problem}")


def show(
    name: str = typer.Argument(..., help="The model's name."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Show a model's manifest and check its files' sha256 (exit 1 if they do not match)."""
    from textkit.errors import IntegrityError

    store = _store(models_dir)
    manifest = store.manifest(name)
    try:
        store.verify(name)
        problem = None
    except IntegrityError as error:
        problem = error
    if as_json:
        typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))
    else:
        typer.echo(_readable(manifest, "ok: every file matches its sha256" if problem is None else "FAILED"))
    if problem is not None:
        raise problem


def _readable(manifest: dict[str, Any], integrity: str) -> str:
    """The manifest as indented ``key: value`` lines, like YAML; short lists on one line."""
    lines = [line for key, value in manifest.items() if key != "checksum" for line in _lines(key, value)]
    lines.append(f"integrity: {integrity}")
    return "\n".join(lines)


def _lines(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        children = [line for k, v in value.items() for line in _lines(str(k), v)]
        return [f"{key}:"] + ["  " + line for line in children] if children else [f"{key}: -"]
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        lines = [f"{key}:"]
        for item in value:  # one "- " entry per record (topics, K curve points)
            entry = (_lines("", item)[1:] if isinstance(item, dict) else [f"  {item}"]) or ["{}"]
            lines += ["  - " + entry[0].lstrip()] + ["  " + line for line in entry[1:]]
        return lines
    if isinstance(value, list):  # ["a", "b"] -> "a, b"; [["war", 0.1], ...] -> "war 0.1, ..."
        inline = (" ".join(map(str, item)) if isinstance(item, list) else str(item) for item in value)
        return [f"{key}: {', '.join(inline) or '-'}"]
    return [f"{key}: {value}"]


def delete(
    name: str = typer.Argument(..., help="The model's name."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete a saved model (a broken one too). Asks first when run in a terminal (exit 1 if refused)."""
    from textkit.errors import ModelStoreError

    store = _store(models_dir)
    # Answering no is a refusal, not an interrupt (Ctrl-C at the prompt still exits 130).
    if not yes and sys.stdin.isatty() and not typer.confirm(f"delete model {name!r} from {store.root}?"):
        raise ModelStoreError(f"kept model {name!r}: deletion not confirmed")
    store.delete(name)
    note(f"deleted model {name!r} from {store.root}")


def export(
    name: str = typer.Argument(..., help="The model's name."),
    archive: str = typer.Argument(..., help="The .tar.gz file to write."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing archive."),
) -> None:
    """Write a model (verified first) to a .tar.gz archive to share it."""
    path = _store(models_dir).export_archive(name, archive, force=force)
    note(f"exported model {name!r} to {path} ({human_size(path.stat().st_size)})")


def import_(
    archive: str = typer.Argument(..., help="A .tar.gz written by 'textkit models export'."),
    name: Optional[str] = typer.Option(None, "--name", help="Store it under this name [default: its own]."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    force: bool = typer.Option(False, "--force", help="Replace a model of the same name."),
) -> None:
    """Add a model from an archive; every file is checked against its manifest first."""
    store = _store(models_dir)
    manifest = store.import_archive(archive, name=name, force=force)
    note(f"imported model {manifest['name']!r} ({manifest['kind']}) into {store.root}")


def upgrade(
    name: str = typer.Argument(..., help="The model's name."),
    models_dir: Optional[str] = opt.MODELS_DIR,
) -> None:
    """Convert a model of the old pickle format to textkit's format. Loading the pickle runs any code
    it holds: upgrade only models you trust."""
    store = _store(models_dir)
    if store.upgrade(name) is None:
        note(f"model {name!r} is already in textkit's own format: nothing to do")
    else:
        note(f"upgraded model {name!r}: it no longer needs --trust-pickle")
