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
    """Console entry point: netinv's own errors become one line and an exit code, never a traceback;
    any other exception is a bug, reported in one line with exit code 70."""
    from netinv.errors import NetinvError
    from netinv.fileio import sigterm_as_interrupt

    try:
        with sigterm_as_interrupt():  # SIGTERM stops like Ctrl-C: finished work is kept, files stay whole
            app()  # standalone: usage errors print click's message and exit 2
    except NetinvError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last guard: a bug is one line, not a traceback
        typer.echo(f"error: netinv {_command_name()}: bug: {type(exc).__name__}: {_one_line(exc)} "
                   "(please report this)", err=True)
        sys.exit(BUG_EXIT_CODE)


def _command_name() -> str:
    """The command of ``sys.argv``: one word, two for a group's command (``contracts compare``)."""
    words = sys.argv[1:3]
    if not words:
        return "?"
    return " ".join(words) if words[0] in GROUPS and len(words) == 2 else words[0]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or "(no message)"
