"""The ``netinv`` command line: parse, call the library, print.

The commands are split by who uses them: :mod:`~netinv.cli.scenario` (validate, info, generate, convert),
:mod:`~netinv.cli.stock` (basestock, gsm), :mod:`~netinv.cli.plan`, :mod:`~netinv.cli.simulate`,
:mod:`~netinv.cli.analyses` (contracts, transship, data, risk, report), :mod:`~netinv.cli.excess` (slow and
obsolete stock), :mod:`~netinv.cli.learn` (dataset, train, finetune, adapt, evaluate), :mod:`~netinv.cli.route`
(inventory routing) and :mod:`~netinv.cli.demo`; what they share is in :mod:`~netinv.cli.common`.
Heavy modules (numpy, scipy, the solvers, torch) are imported inside the commands, so ``netinv --help``
stays fast.

Exit codes: 0 success; 2 bad input (a file, an option or a value; one line ``error: <message>``); 3 a solver
found no usable answer; 70 a bug in netinv (one line naming the exception; please report it); 130
interrupted (Ctrl-C or SIGTERM; finished work is kept).
"""

from __future__ import annotations

import sys

import typer

from netinv.cli import analyses, demo, excess, learn, plan, route, scenario, simulate, stock

EXIT_CODES = ("Exit codes: 0 success; 2 bad input (one line 'error: ...'); 3 no usable solver answer; 70 a bug "
              "in netinv (please report it); 130 interrupted (Ctrl-C, SIGTERM).")
BUG_EXIT_CODE = 70

app = typer.Typer(
    name="netinv",
    help="Multi-echelon inventory network optimizer: scenarios, exact models, simulation, GNN policies.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}  # settings as --name=value

for command in (scenario.validate, scenario.info, scenario.generate, scenario.convert, stock.basestock, plan.plan,
                stock.gsm, analyses.transship, analyses.risk, excess.excess, analyses.report, learn.train):
    app.command()(command)
app.command(context_settings=EXTRA_ARGS)(learn.finetune)
app.command(context_settings=EXTRA_ARGS)(learn.adapt)
for command in (learn.evaluate, simulate.simulate, route.route, demo.demo):
    app.command()(command)
GROUPS = {"contracts": analyses.contracts_app, "data": analyses.data_app, "dataset": learn.dataset_app}
for name, group in GROUPS.items():
    app.add_typer(group, name=name)


def main() -> None:
    """Console entry point: every error is one line ``error: ...`` and an exit code, never a traceback.

    A usage error (an unknown option, a missing or invalid value) is ``error: <option>: <what is wrong>``,
    exit 2 (:func:`usage_line`); netinv's own errors keep their message and exit code; stdout that cannot be
    written (a full disk) is ``error: stdout: cannot write: ...``, exit 2
    (:func:`~netinv.cli.common.guarded_stdout`); any other exception is a bug, reported in one line with exit
    code 70. Values the user gave are printed escaped (:func:`netinv.errors.printable`).
    """
    from netinv.cli.common import guarded_stdout
    from netinv.errors import NetinvError, printable
    from netinv.fileio import sigterm_as_interrupt

    code = 0
    try:
        with guarded_stdout(), sigterm_as_interrupt():  # SIGTERM stops like Ctrl-C: finished work is kept
            code = app(standalone_mode=False)  # click's errors come here, to be printed in one line
    except typer.TyperException as exc:  # click's usage errors (typer's own copy of click)
        if _is(exc, "NoArgsIsHelpError"):  # a group without its command: the help was printed
            sys.exit(2)
        _fail(f"error: {printable(usage_line(exc))}", getattr(exc, "exit_code", 2))
    except typer.Abort:  # Ctrl-D at a prompt
        _fail("interrupted", 130)
    except NetinvError as exc:
        _fail(f"error: {exc}", exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - the last guard: a bug is one line, not a traceback
        _fail(f"error: netinv {_command_name()}: bug: {type(exc).__name__}: {_one_line(exc)} "
              "(please report this)", BUG_EXIT_CODE)
    sys.exit(code if isinstance(code, int) else 0)


def _is(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` is of the click exception class ``name`` (typer bundles its own click; its classes are
    matched by name rather than imported from a private module)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def usage_line(exc: Exception) -> str:
    """The one-line message of a click usage error: ``<option>: <what is wrong>`` (an option, an argument's
    name in capitals), or ``netinv <command>: <what is wrong>`` when no option is at fault."""
    param = getattr(exc, "param", None)
    if _is(exc, "NoSuchOption"):
        possible = getattr(exc, "possibilities", None)
        hint = f" (did you mean {' or '.join(possible)}?)" if possible else ""
        return f"{exc.option_name}: no such option{hint}"
    if _is(exc, "MissingParameter") and param is not None:
        return f"{_param_name(param)}: missing (required)"
    if _is(exc, "BadParameter") and param is not None:
        return f"{_param_name(param)}: {_sentence(exc.message)}"
    if _is(exc, "BadOptionUsage"):
        return f"{exc.option_name}: {_sentence(exc.message)}"
    ctx = getattr(exc, "ctx", None)
    words = []
    while ctx is not None and ctx.parent is not None:  # the command's words, without the program's name
        words.insert(0, ctx.info_name)
        ctx = ctx.parent
    return " ".join(["netinv", *words]) + f": {_sentence(exc.format_message())}"


def _param_name(param) -> str:
    """An option's longest name (``--output``, not ``-o``); an argument's name in capitals (``FILE``)."""
    if getattr(param, "param_type_name", "") == "option":
        return max(param.opts, key=len)
    return (param.name or "argument").upper()


def _sentence(message: str) -> str:
    """click's message as a clause of the one line: no final period, the first letter lower-case."""
    text = " ".join(str(message).split()).rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def _fail(line: str, code: int) -> None:
    typer.echo(line, err=True)
    sys.exit(code)


def _command_name() -> str:
    """The command of ``sys.argv``: one word, two for a group's command (``contracts compare``)."""
    words = sys.argv[1:3]
    if not words:
        return "?"
    return " ".join(words) if words[0] in GROUPS and len(words) == 2 else words[0]


def _one_line(exc: BaseException) -> str:
    from netinv.errors import printable

    return printable(" ".join(str(exc).split())) or "(no message)"
