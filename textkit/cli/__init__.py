"""The ``textkit`` command: a thin shell over the library.

Each command parses options, calls one library function and prints. Command modules
import scikit-learn/gensim inside their functions, so ``textkit --help`` is quick.

Exit codes: 0 success; 1 an error (a :class:`~textkit.errors.TextkitError`, a disk or
permission problem, or a bug: one red line on stderr, ``--debug`` shows the
traceback); 2 a usage error (unknown option, bad value); 130 interrupted (Ctrl-C);
143 / 129 terminated by SIGTERM / SIGHUP (no partial output file is left); 141 the
reader of the output went away (``textkit predict ... | head``), as for any command
killed by SIGPIPE.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import typer
import typer.core
import typer.main

from textkit import __version__
from textkit.cli import _output
from textkit.progress import reporting
from textkit.store import STRICT_ENV, TRUST_PICKLE_ENV

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what the shell reports for coreutils in `... | head`

app = typer.Typer(
    name="textkit",
    help="Clean, tag and explore news corpora.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"textkit {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print results only: no progress or summaries."),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Refuse models saved by another textkit major.minor version [env: TEXTKIT_STRICT=1].",
    ),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="Load models saved in the old pickle format, which can run code: only ones you trust "
        "('textkit models upgrade' converts them once) [env: TEXTKIT_TRUST_PICKLE=1].",
    ),
) -> None:
    """Clean, tag and explore news corpora."""
    _output.settings.debug = debug
    _output.settings.quiet = quiet
    if strict:
        # Every command's ModelStore.load() reads it, so no command needs its own option.
        os.environ[STRICT_ENV] = "1"
    if trust_pickle:
        os.environ[TRUST_PICKLE_ENV] = "1"


def _register_commands() -> None:
    from textkit.cli import analysis, corpus, models, rules, serve, themes, topics

    for module in (corpus, themes, rules, topics, models, analysis, serve):
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; turn errors into one line and an exit code instead of a traceback."""
    # main() may run several times in one process (tests, scripts): start from the defaults.
    _output.settings.debug = _output.settings.quiet = False
    saved_env = {key: os.environ.get(key) for key in (STRICT_ENV, TRUST_PICKLE_ENV)}
    previous_handlers = _terminate_on_signals()
    try:
        with _output.warnings_as_lines(), reporting(_output.TerminalProgress()):
            result = app(args=argv, prog_name="textkit", standalone_mode=False)
    except Terminated as stop:
        _output.error(f"terminated ({signal.Signals(stop.signum).name})")
        return 128 + stop.signum
    except typer.Exit as done:
        return done.exit_code
    except (typer.Abort, KeyboardInterrupt):
        _output.error("interrupted")
        return EXIT_INTERRUPTED
    except typer.TyperException as usage:  # typer's (vendored click) usage errors: one line, exit 2
        context = getattr(usage, "ctx", None)
        command = context.command_path if context is not None else "textkit"
        _output.error(f"{usage.format_message()} (see '{command} --help')")
        return int(getattr(usage, "exit_code", EXIT_USAGE))
    except SystemExit as exit_:
        # On a closed pipe typer's click silences stdout and calls sys.exit(1), which would
        # read as a failure; no error line either: the reader chose to stop reading.
        if isinstance(exit_.__context__, BrokenPipeError):
            return EXIT_BROKEN_PIPE
        raise
    except Exception as error:
        if _output.settings.debug:
            raise
        option = _option_at_fault(argv, error)
        if option is not None:  # a bad option value is a usage error, named as the user typed it
            _output.error(f"invalid value for {option}: {error}")
            return EXIT_USAGE
        _output.error(_one_line(error))
        return 1
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if result == EXIT_INTERRUPTED:
        # typer turns Ctrl-C into Exit(130), which standalone_mode=False returns as a value.
        _output.error("interrupted")
    return result if isinstance(result, int) else 0


# Library parameters whose command-line option has another name.
_OPTION_NAMES = {
    "format": "format_in",
    "C": "c",
    "ngram_range": "ngrams",
    "window_days": "window",
    "shingle_size": "shingle",
}


def _option_at_fault(argv: list[str] | None, error: Exception) -> str | None:
    """The option (``--min-df``) behind a :class:`~textkit.errors.ConfigError` that names a parameter, if any."""
    import sys

    from textkit.errors import ConfigError

    param = getattr(error, "param", None) if isinstance(error, ConfigError) else None
    if param is None:
        return None
    command: Any = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    context = command.make_context("textkit", args, resilient_parsing=True)
    while isinstance(command, typer.core.TyperGroup):  # walk down to the command that ran: topics -> fit
        name, command, rest = command.resolve_command(context, [*context._protected_args, *context.args])
        if command is None:
            return None
        context = command.make_context(name, rest, parent=context, resilient_parsing=True)
    wanted = _OPTION_NAMES.get(param, param)
    for option in command.params:
        if option.name == wanted and option.opts and option.opts[0].startswith("-"):
            return str(max(option.opts, key=len))
    return None


class Terminated(BaseException):
    """SIGTERM or SIGHUP received: unwinds like Ctrl-C, so atomic outputs remove their temporary files."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate_on_signals() -> dict[int, Any]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (exit 143 / 129); return the handlers replaced."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}  # signal handlers can only be set from the main thread

    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    return {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGHUP)}


def _one_line(error: Exception) -> str:
    """What a user reads instead of a traceback."""
    from textkit.errors import TextkitError

    if isinstance(error, TextkitError):
        return str(error)
    if isinstance(error, OSError) and error.strerror:  # disk full, permission denied...
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    return (
        f"internal error ({type(error).__name__}: {error}); this is a bug in textkit: "
        "run the command again with --debug and report the traceback"
    )
