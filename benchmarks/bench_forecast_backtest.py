"""The forecast a history node gets (netinv.history.model: chosen by a rolling-origin backtest) against
the seasonal-naive forecast and the fitted mean, on the periods after the history (never seen).

    python benchmarks/bench_forecast_backtest.py [--seeds 100] [--print-only]

Each seed draws a planner's daily sales history (tests/history/synthetic.py ``planner_history``: two
years of Poisson sales with a yearly trend from -35% to +80%, weekends busier, three missing weeks, a
duplicated row and an outlier), runs it through the scenario pipeline (data-quality cleaning, then
periods of 7 days or of 1 day) and scores every forecast by its mean absolute error (MAE) over the
next 8 weeks (weekly periods) or 28 days (daily periods), drawn from the same process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._record import record_or_print, table  # noqa: E402
from netinv.history.model import ModelConfig, candidate_forecast, demand_model  # noqa: E402
from netinv.history.quality import season_length  # noqa: E402
from tests.history.synthetic import period_values, planner_history  # noqa: E402

BASELINES = ("seasonal-naive", "mean", "recent-mean")


def one(seed: int, period_days: int, held: int) -> tuple[dict, str, float]:
    rows, future = planner_history(seed, holdout_days=held * period_days)
    y = period_values(rows, period_days)
    truth = future.reshape(held, period_days).sum(axis=1)
    m = season_length(period_days)
    start = time.perf_counter()
    model = demand_model(y, ModelConfig(season_length=m), periods=held)
    seconds = time.perf_counter() - start
    mae = {"chosen": float(np.abs(truth - model.forecast[:held]).mean())}
    for name in BASELINES:
        mae[name] = float(np.abs(truth - candidate_forecast(name, y, held, season_length=m)).mean())
    return mae, model.method, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--print-only", action="store_true", help="print, do not append to RESULTS.md")
    args = parser.parse_args()
    rows, picks = [], []
    for period_days, held in ((7, 8), (1, 28)):
        scores, chosen, seconds = [], Counter(), []
        for seed in range(args.seeds):
            mae, method, took = one(seed, period_days, held)
            scores.append(mae)
            chosen[method] += 1
            seconds.append(took)
        mean = {k: np.mean([s[k] for s in scores]) for k in scores[0]}
        wins = {k: np.mean([s["chosen"] < s[k] for s in scores]) for k in BASELINES}
        label = f"{period_days} day{'s' * (period_days > 1)}, next {held}"
        rows.append([label, args.seeds, f"{mean['chosen']:.2f}", *(f"{mean[k]:.2f}" for k in BASELINES),
                     *(f"{wins[k]:.0%}" for k in BASELINES[:2]), f"{np.mean(seconds):.2f}"])
        picks.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in chosen.most_common()))
    text = table(["periods", "seeds", "MAE chosen", "MAE seasonal-naive", "MAE fitted mean", "MAE recent mean (13)",
                  "chosen beats seasonal-naive", "chosen beats mean", "s per node (backtest + fit)"], rows)
    notes = ("MAE: mean absolute error per period on the held-out future, averaged over seeds; 'beats': share of "
             "seeds where the chosen forecast's MAE is lower. Chosen forecast by seed: " + "; ".join(picks) + ".")
    record_or_print("History forecast chosen by backtest vs seasonal-naive and the fitted mean",
                    f"benchmarks/{Path(__file__).name}", text,
                    notes, print_only=args.print_only)


if __name__ == "__main__":
    main()
