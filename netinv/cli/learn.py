"""``netinv dataset generate | train | finetune | adapt | evaluate``: the life cycle of the GNN policy.

torch is imported only inside these commands (by the library functions they call)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from netinv.cli.common import (
    DEFAULT_MODEL,
    MAX_GENERATED_NODES,
    MAX_HORIZON,
    MAX_THREADS,
    JsonOpt,
    ThreadsOpt,
    float_option,
    int_option,
    integer_in,
    new_console,
    node_range,
    print_json,
    seed_option,
)
from netinv.display import format_number

MAX_LABELLED_NODES = 10_000  # netinv.learn.dataset.MAX_LABELLED_NODES (not imported: it imports torch)
dataset_app = typer.Typer(help="Exact-solution datasets for the GNN policy.", no_args_is_help=True)


class Backend(StrEnum):
    local = "local"
    ray = "ray"


@dataset_app.command("generate")
def dataset_generate(
    networks: Annotated[int, int_option("--networks", low=1, high=1_000_000, help="Generated networks.")],
    out: Annotated[Path, typer.Option("--out", help="Dataset folder (shards + manifest.json).")],
    nodes: Annotated[str, typer.Option("--nodes", parser=node_range(MAX_LABELLED_NODES),
                                       help="Node-count range of the networks, e.g. 5-30.")] = "5-30",
    seed: Annotated[int, seed_option("Base seed (training data: >= 1000; held-out evaluation networks use "
                                     "seeds < 1000).")] = 1000,
    backend: Annotated[Backend, typer.Option("--backend", help="local processes or a Ray cluster.")] = Backend.local,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster address [default: a local "
                                                "Ray runtime].")] = None,
    workers: Annotated[int | None, int_option("--workers", low=1, high=MAX_THREADS, help="Parallel workers.")] = None,
    periods: Annotated[int, int_option("--periods", low=2, high=10_000, help="Periods simulated per path.")] = 24,
    paths: Annotated[int, int_option("--paths", low=1, high=10_000, help="Demand paths per network.")] = 4,
    model: Annotated[Path | None, typer.Option("--model", help="DAgger: a learner checkpoint that drives the "
                                               "states (the teacher still labels them).")] = None,
    beta: Annotated[float, float_option("--beta", low=0.0, high=1.0, help="DAgger: probability of executing "
                                        "the teacher's orders instead of the learner's.")] = 0.0,
    round_: Annotated[int, int_option("--round", low=0, high=10_000, help="DAgger round recorded with the samples.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Label states with the exact stochastic rolling-horizon policy (the teacher), in resumable shards."""
    from netinv.fileio import check_writable

    check_writable(out, folder=True)  # before torch is imported
    from netinv.learn.dataset import dataset_generate_command

    def run(progress=None):
        return dataset_generate_command(out, networks, nodes, seed, backend=backend.value, address=address,
                                        workers=workers, periods=periods, paths=paths, model=model, beta=beta,
                                        round=round_, progress=progress)

    if as_json:
        result = run()
    else:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("labelling shards", total=None)
            result = run(lambda done, total: bar.update(task, completed=done, total=total))
    print_json(result)  # the same JSON with or without --json
    if result.get("interrupted"):
        typer.echo(f"interrupted: finished shards kept in {out}; run the same command again to resume", err=True)
        raise typer.Exit(130)


def train(
    dataset: Annotated[Path, typer.Option("--dataset", help="Dataset folder from `netinv dataset generate`.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    epochs: Annotated[int, int_option("--epochs", low=1, high=100_000)] = 100,
    seed: Annotated[int, seed_option()] = 0,
    batch_size: Annotated[int, int_option("--batch-size", low=1, high=1_000_000)] = 32,
    lr: Annotated[float, float_option("--lr", low=0.0, high=10.0, above=True)] = 1e-3,
    patience: Annotated[int, int_option("--patience", low=1, high=100_000, help="Early stopping: epochs without "
                                        "a lower validation loss.")] = 10,
    hidden: Annotated[int, int_option("--hidden", low=1, high=4096)] = 64,
    layers: Annotated[int, int_option("--layers", low=1, high=64)] = 3,
    val_fraction: Annotated[float, float_option("--val-fraction", low=0.01, high=0.9)] = 0.2,
    restart: Annotated[bool, typer.Option("--restart", help="Ignore the finished epochs of an interrupted run.")
                       ] = False,
    threads: ThreadsOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """Train the GNN policy on a dataset; validation metrics per epoch, early stopping, a JSON model card."""
    from netinv.learn.dataset import read_manifest
    from netinv.learn.train import TrainConfig, train_folder

    read_manifest(dataset)  # a folder that is not a dataset: one line, before any progress bar
    check_checkpoint_path(out)
    config = TrainConfig(epochs=epochs, seed=seed, batch_size=batch_size, lr=lr, patience=patience, hidden=hidden,
                         layers=layers, val_fraction=val_fraction)
    if as_json:
        result = train_folder(dataset, out, config, resume=not restart, threads=threads)
        print_json(result)
        return
    from rich.progress import Progress

    console = new_console()
    with Progress(console=console) as bar:
        task = bar.add_task("training", total=epochs)

        def progress(m, total):
            bar.update(task, completed=m.epoch, total=total)
            console.print(f"epoch {m.epoch:3d}  train {m.train_loss:.4f}  val {m.val_loss:.4f}  "
                          f"MAE/mean {m.val_relative_mae:.3f}  R2 {m.val_r2:.3f}  best {m.best_epoch}")

        result = train_folder(dataset, out, config, progress=progress, resume=not restart, threads=threads)
    best = result["best"]
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best epoch {result['best_epoch']} of "
                  f"{result['epochs_run']} ({result['stopped']}), validation MAE / mean order "
                  f"{best['val_relative_mae']:.3f} (mean predictor {result['baseline']['val_relative_mae']:.3f}), "
                  f"R2 {best['val_r2']:.3f}")


def check_checkpoint_path(out: Path) -> None:
    """A checkpoint ``out`` (and its card beside it) can be written: its folder exists or can be made, and
    ``out`` is not a folder or a device (one line, before any work)."""
    from netinv.fileio import check_writable

    check_writable(Path(out).parent, folder=True)
    if Path(out).exists() or Path(out).is_symlink():
        check_writable(out)


FINETUNE_SETTINGS = ("steps", "seed", "lr", "final-lr-fraction", "grad-clip", "periods", "small-per-step", "small-nodes",
                     "small-paths", "large-per-step", "large-nodes", "large-paths", "large-kinds", "network-seed",
                     "validation-networks", "validation-large", "validation-paths", "validation-seed", "eval-every",
                     "save-every", "truncate", "parent-weight", "holding-log10", "shortage-log10", "threads",
                     "perez-like-per-step", "perez-like-paths", "validation-perez-like", "perez-like-weight", "loss",
                     "relative-floor", "priority", "workers")


def _stepped(run, label: str, steps: int, as_json: bool):
    """``run(progress)`` of a stepped job (fine-tuning, adaptation): with ``as_json`` its result is printed
    as JSON (without the history) and None returned; else a progress bar and the validations as they come,
    and the result returned."""
    if as_json:
        print_json({k: v for k, v in run(None).items() if k != "history"})
        return None
    from rich.progress import Progress

    console = new_console()
    with Progress(console=console) as bar:
        task = bar.add_task(label, total=steps)

        def progress(m, total):
            bar.update(task, completed=m.step, total=total)
            if m.validation is not None:
                console.print(f"step {m.step:4d}  loss {m.loss:.4f}  validation {m.validation:.4f}")

        return run(progress)


def _settings(args: list[str], command: str = "finetune", known: tuple[str, ...] = FINETUNE_SETTINGS) -> dict[str, str]:
    """``--name=value`` or ``--name value`` pairs of the arguments typer left over."""
    from netinv.errors import InputError

    out, k = {}, 0
    while k < len(args):
        arg = args[k]
        if not arg.startswith("--") or len(arg) < 3:
            raise InputError(f"{command}: unexpected argument {arg!r} (settings are --name=value)")
        name, eq, value = arg[2:].partition("=")
        if not eq:
            if k + 1 >= len(args):
                raise InputError(f"{command}: --{name} needs a value")
            k, value = k + 1, args[k + 1]
        if name not in known:
            raise InputError(f"{command}: unknown setting --{name}; known: {', '.join(known)}")
        out[name] = value
        k += 1
    return out


def finetune(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    model: Annotated[Path, typer.Option("--model", help="Parent checkpoint (imitation-trained).")] = DEFAULT_MODEL.with_name("gnn-imitation.pt"),
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Ignore the steps of an interrupted run.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fine-tune a GNN policy through the differentiable simulator (hindsight differentiable policy
    optimization): rollouts on generated networks, loss = minus the normalized profit, best validation kept.

    Settings as --name=value (defaults: netinv.learn.finetune.FinetuneConfig; ranges and lists comma-separated; '=' is needed when a value starts with '-'): steps, seed, lr, final-lr-fraction, grad-clip, periods, small-per-step, small-nodes, small-paths, large-per-step, large-nodes, large-paths, large-kinds, network-seed, validation-networks, validation-large, validation-paths, validation-seed, eval-every, save-every, truncate, parent-weight, holding-log10, shortage-log10, threads, perez-like-per-step, perez-like-paths, validation-perez-like, perez-like-weight, loss, relative-floor, priority, workers.

    Ctrl-C / SIGTERM keeps the finished steps; the same command resumes.
    """
    from netinv.errors import InputError

    settings = _settings(list(ctx.args))
    check_checkpoint_path(out)
    if not model.is_file():
        raise InputError(f"{model}: no such checkpoint")
    from netinv.learn.finetune import finetune as run_finetune
    from netinv.learn.finetune import parse_config

    config = parse_config(settings)
    result = _stepped(lambda progress: run_finetune(model, out, config, resume=not no_resume, progress=progress),
                      "fine-tuning", config.steps, as_json)
    if result is None:
        return
    console = new_console()
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best step {result['best_step']}, "
                  f"validation {result['validation']}")


def adapt(
    ctx: typer.Context,
    network: Annotated[Path, typer.Argument(help="Scenario file of the network to adapt the policy to.")],
    out: Annotated[Path, typer.Option("--out", help="Checkpoint to write, e.g. models/NAME.pt (card: NAME.json).")],
    model: Annotated[Path, typer.Option("--model", help="Checkpoint to start from.")] = DEFAULT_MODEL,
    no_resume: Annotated[bool, typer.Option("--no-resume", help="Ignore the steps of an interrupted run.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Adapt a GNN policy to one network: fine-tune a copy through the differentiable simulator on
    demand paths drawn from the network's own demand model (never the paths it is judged on), keeping
    the weights that score best on a fixed validation sample; run it with
    `netinv simulate FILE --policy gnn --model OUT`.

    Settings as --name=value (defaults: netinv.learn.adapt.AdaptConfig): steps, seed, lr, final-lr-fraction, grad-clip, periods, paths, validation-paths, eval-every, save-every, relative-floor, threads.

    Ctrl-C / SIGTERM keeps the finished steps; the same command resumes.
    """
    from netinv.learn.adapt import SETTINGS, adapt_file, parse_config

    settings = _settings(list(ctx.args), "adapt", tuple(n.replace("_", "-") for n in SETTINGS))
    config = parse_config(settings)
    from netinv.errors import InputError
    from netinv.network import load

    if not model.is_file():
        raise InputError(f"{model}: no such checkpoint")
    check_checkpoint_path(out)
    load(network)  # a bad scenario is reported before anything starts
    result = _stepped(lambda progress: adapt_file(model, network, out, config, resume=not no_resume,
                                                  progress=progress), "adapting", config.steps, as_json)
    if result is None:
        return
    console = new_console()
    v = result["validation"]
    console.print(f"saved {result['checkpoint']} (card {result['card']}): best step {result['best_step']}, "
                  f"validation profit per path {format_number(v['parent'], 6)} -> {format_number(v['best'], 6)} ({result['seconds']:.0f} s)")


def evaluate(
    model: Annotated[Path, typer.Option("--model", help="GNN checkpoint [default: models/gnn.pt].")] = DEFAULT_MODEL,
    out: Annotated[Path, typer.Option("--out", help="Folder for results.json (resumable), the tables and the "
                                      "plot.")] = Path("out/evaluate"),
    suite: Annotated[list[str] | None, typer.Option("--suite", help="held-out, perez or scale (repeat) "
                                                    "[default: all].")] = None,
    held_out: Annotated[int, int_option("--held-out", low=1, high=1000, help="Held-out networks.")] = 12,
    sizes: Annotated[str, typer.Option("--sizes", help="Scale suite network sizes, comma-separated.")
                     ] = "100,1000,10000,100000",
    paths: Annotated[int, int_option("--paths", low=1, high=10_000, help="Demand paths per held-out network.")] = 10,
    periods: Annotated[int, int_option("--periods", low=2, high=MAX_HORIZON,
                                       help="Horizon of the held-out networks.")] = 30,
    nodes: Annotated[str, typer.Option("--nodes", parser=node_range(MAX_LABELLED_NODES),
                                       help="Node-count range of the held-out networks.")] = "5-30",
    seed: Annotated[int, seed_option()] = 0,
    adapt_steps: Annotated[int, int_option("--adapt-steps", low=0, high=1_000_000, help="Also run the GNN adapted to each "
                                             "held-out network and the 9-node one with this many steps "
                                             "(netinv adapt) [default: 0, not run].")] = 0,
    threads: ThreadsOpt = 1,
    as_json: JsonOpt = False,
) -> None:
    """Judge a GNN policy on paired demand paths: held-out networks (vs teacher and oracle), the published
    9-node network, and networks of 100 to 100,000 nodes (time and profit vs tuned base-stock)."""
    from netinv.errors import InputError
    from netinv.learn.evaluate import SUITES, EvaluateConfig, plot, tables
    from netinv.learn.evaluate import evaluate as run

    try:
        size_list = tuple(integer_in(2, MAX_GENERATED_NODES)(x) for x in sizes.split(",") if x.strip())
    except typer.BadParameter as exc:
        raise InputError(f"--sizes: comma-separated node counts; each {exc.message}") from None
    if not Path(model).is_file():
        raise InputError(f"{model}: GNN model not found (train one with `netinv train`, or pass --model)")
    from netinv.fileio import check_writable

    check_writable(out, folder=True)
    from netinv.learn.dataset import parse_nodes

    config = EvaluateConfig(suites=tuple(suite or SUITES), held_out=held_out, paths=paths, periods=periods,
                            nodes=parse_nodes(nodes), sizes=size_list, seed=seed, adapt_steps=adapt_steps)
    console = new_console()

    def progress(name, done, total, message):
        if not as_json:
            console.print(f"[{name} {done}/{total}] {message}")

    result = run(model, out, config, progress=progress, threads=threads)
    text = tables(result)
    from netinv.fileio import atomic_write_text

    atomic_write_text(Path(out) / "tables.md", text + "\n")
    picture = plot(result, Path(out) / "evaluation.png")
    if as_json:
        print_json(result.to_dict())
    else:
        console.print(text)
        console.print(f"tables in {Path(out) / 'tables.md'}, plot in {picture}")

