"""``bench run``'s work once its options are checked: train and sweep every model of a
profile, in this process or on a Dask cluster, keeping finished cells on Ctrl-C."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.config import ChoiceError, Profile
from bench.run.cluster import LOCAL


@dataclass(frozen=True)
class Placement:
    """Where the models are computed: ``scheduler`` None (this process), ``local`` or a
    Dask address; workers and threads (of ``local``) and ship_data (send this machine's
    data) as given, None when not; trained: a folder of models trained elsewhere."""

    scheduler: str | None = None
    workers: int | None = None
    threads: int | None = None
    ship_data: bool = False
    trained: Path | None = None

    def check(self) -> Placement:
        """This placement; ChoiceError for --trained that is no folder, and for --workers,
        --threads, --ship-data or --trained where they do not apply."""
        if self.trained is not None and not self.trained.is_dir():
            raise ChoiceError(f"--trained {self.trained}: no such folder; expected the folder "
                              "python -m bench.run.device_train wrote its models to")
        for option in ("workers", "threads"):
            value = getattr(self, option)
            if value is not None and self.scheduler != LOCAL:
                raise ChoiceError(f"--{option} applies to --scheduler {LOCAL} (got "
                                  f"--scheduler {self.scheduler}); a cluster at an address "
                                  "has its own workers")
            if value is not None and value < 1:
                raise ChoiceError(f"--{option} must be at least 1, got {value}")
        if self.ship_data and self.scheduler is None:
            raise ChoiceError("--ship-data applies to a run with --scheduler")
        if self.trained is not None and self.scheduler is not None:
            raise ChoiceError("--trained sweeps models trained elsewhere in this process; run "
                              "it without --scheduler")
        return self


def train_and_sweep(profile: Profile, out: Path, source: Path | None,
                    seeds: tuple[int, ...] | None, placement: Placement, *,
                    quiet: bool = False, extend: Path | None = None) -> Path | None:
    """Compute every model and cell of ``profile`` into ``<out>/<task>/<run name>``; that
    folder, or None after Ctrl-C (the finished cells are kept and a line on stderr says
    how to continue)."""
    from bench.run import runner

    folder = runner.run_folder(profile, out)
    verbose = 0 if quiet else 2
    try:
        if placement.scheduler is None:
            runner.run_task(profile, out, source, seeds, verbose=verbose,
                            trained=placement.trained, extend=extend)
        else:
            from bench.run.distributed import run_distributed

            run_distributed(profile, out, source, seeds, placement.scheduler,
                            workers=placement.workers, threads=placement.threads,
                            ship_data=placement.ship_data, verbose=verbose, extend=extend)
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished cells (models, on a cluster) are kept in {folder}; "
              "run the same command again to continue.", file=sys.stderr)
        return None
    return folder
