"""Deterministic sample landing data for tsqa (the raw contract, as daily drops).

``generate(out, scale, seed)`` writes every entity of ``raw_contract.md`` under
``out/<entity>/`` as drop files named ``<entity>_<YYYY-MM-DD>[_<n>].<csv|parquet>``.
It walks the window one day at a time, vectorised with numpy per day, so memory stays
bounded whatever the scale (scale 1 is about 20,000 moderation decisions, scale 500
about 10 million). The same (scale, seed, start, end) always gives byte-identical files.

The data carries facts an analyst should find; they are planted on purpose and
exposed as module constants so that tests elsewhere can assert they survive the
warehouse:

* accuracy differs by vendor and site (``SITE_ACCURACY``), with one clearly worse
  site (``WORSE_SITE``);
* a ``major_revision`` of ``HT01_POLICY`` effective ``HT01_CHANGE_AT`` makes the error
  rate on that policy jump for ``HT01_SPIKE_DAYS`` days (queue ``HT01_SPIKE_QUEUE``),
  with root cause ``POL-CHNG``, until moderators take the refresher
  ``HT01_REFRESHER_COURSE``; every other change in ``POLICY_CHANGES`` has no effect;
* experiment ``EXP-01`` lowers the treatment arm's error probability
  (``EXP01_TREATMENT_ERROR_MULTIPLIER``: an accuracy lift of about
  ``EXP01_TREATMENT_ACCURACY_LIFT``); ``EXP-02`` only lowers handle time
  (``EXP02_HANDLE_TIME_MULTIPLIER``);
* calibration sessions in ``POOR_CALIBRATION_SESSIONS`` have poor agreement;
* the lowest-numbered ``lert_specialist`` (``overdisclosure_specialist``) fails the
  critical ``disclosure_scope`` item far more often (``DISCLOSURE_FAIL_P``);
* some LE requests are answered late, some are still open past their due date.

The roster is an SCD2 feed: a first snapshot, then a person's row again whenever they
move vendor or site, join or leave; decisions and audits follow those changes.

Real drops are messy, and so are these (all still contract-valid): exact duplicate rows
within a file and across files, part of a day re-sent in the next day's file, second
drops on a day (``_2``), corrected re-sends of ``qa_audits`` (root cause filled in,
notes amended, root cause cleared after an overturned dispute), lifecycle re-sends of
``le_requests``, ``audit_disputes``, ``escalations`` and ``rca_cases`` as their status
changes, Parquet drops for Sunday decisions (string columns holding the same text as
the CSV), and a few timestamps with a ``-07:00`` offset.

The package is split so that each part reads in one sitting:

* ``params.py`` -- the world's parameters and every planted fact (all importable from
  ``tsqa.generate``);
* ``world.py`` -- ``World``: state, lookup tables and the day loop, with its parts in
  ``roster.py``, ``moderation.py`` (decisions, audits, disputes), ``lert.py`` (LE requests,
  assessments, escalations, RCA cases) and ``calibration.py``;
* ``drops.py`` -- the drop writer: the contract's entities and column order
  (``columns``), file naming, CSV/Parquet, duplicates and late drops, the truth file and
  the sample marker; ``formats.py`` -- timestamps, dates and ids as the files hold them;
* ``seeds.py`` -- the reference data the world must agree with; ``sampling.py`` -- helpers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

# The world's parameters and planted facts, as tests and other modules import them.
from tsqa.generate.params import *  # noqa: F403
from tsqa.generate.drops import (  # noqa: F401
    DUP_IN_FILE,
    DUP_NEXT_FILE,
    ENTITIES,
    ENTITY_COLUMNS,
    ENTITY_KEYS,
    LATE_DROP_DAY_SHARE,
    LATE_DROP_ROW_SHARE,
    TEXT_COLUMNS,
    DropWriter,
    columns,
    refuse_foreign_landing,
    sample_marker,
    truth_path_beside,
)
from tsqa.generate.params import DEFAULT_END, DEFAULT_START
from tsqa.generate.sampling import classify  # noqa: F401
from tsqa.generate.seeds import Seeds, load_seeds  # noqa: F401
from tsqa.generate.world import World


def generate(out: Path, scale: float = 1.0, seed: int = 7, progress: bool = True,
             start: date = DEFAULT_START, end: date = DEFAULT_END, truth: Path | None = None) -> dict[str, int]:
    """Write every entity of the raw contract under out/<entity>/ as daily drop files; return rows written per entity.

    Deterministic per (scale, seed, start, end). The entity folders are deleted first, so a
    re-run replaces the previous output. Scale 1 is about 20,000 moderation decisions.
    With `truth`, also write the simulated truth (Parquet: decision_id, is_correct,
    is_critical_error, one row per decision) to that file, which must lie outside `out`
    (a landing folder holds landing files only); see ``truth_path_beside``.
    """
    out = Path(out)
    refuse_foreign_landing(out)
    counts = World(out, scale, seed, progress, start, end, truth).run()
    sample_marker(out).write_text("written by tsqa generate: its entity folders may be replaced\n",
                                  encoding="utf-8")
    return counts
