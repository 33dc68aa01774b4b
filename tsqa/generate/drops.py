"""The drop writer: how the simulated world lands as files.

It owns everything about files and nothing about what the data means: the contract's
entities and their column order (``columns``), file naming
(``<entity>/<entity>_<YYYY-MM-DD>[_2].<csv|parquet>``), one drop per entity per day plus a
second (``_2``) drop for late parts and corrections, the CSV dialect (RFC 4180, LF, quotes
only where needed), Parquet for Sunday decisions, the messiness real drops have (exact
duplicates in a file, rows re-sent in the next day's file, a late part of a day's
decisions), the simulated-truth file beside the landing folder, and the sample marker that
lets a re-run replace a folder ``tsqa generate`` wrote while refusing any other.

The world hands it rows (dicts) or Arrow tables of strings for a day; the writer orders the
columns, sorts, duplicates and writes them when the day is flushed.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tsqa import contract
from tsqa.generate.formats import Fmt
from tsqa.generate.params import DAY

# ---------------------------------------------------------------------------------
# The contract: entities and their columns, in order.
# ---------------------------------------------------------------------------------

#: The column order of every entity file: the landing contract's, which is declared once in
#: models/landing/_landing__models.yml and read through tsqa/contract.py (read through
#: ``columns``). A contract column the world does not fill stops the generator.
ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    entity: tuple(contract.columns(entity)) for entity in contract.entities()
}
#: Every entity folder the generator owns (and deletes before writing).
ENTITIES: tuple[str, ...] = tuple(ENTITY_COLUMNS)

#: The key of each entity (the newest version of a key wins in staging), from the contract.
ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    entity: tuple(contract.load()[entity].key) for entity in contract.entities()
}


def columns(entity: str) -> tuple[str, ...]:
    """The columns of an entity's landing files, in file order."""
    return ENTITY_COLUMNS[entity]


# ---------------------------------------------------------------------------------
# Messy-drop knobs.
# ---------------------------------------------------------------------------------

#: Share of a drop's rows sent twice in the same file (exact duplicates) ...
DUP_IN_FILE = {"moderation_decisions": 0.002, "qa_audits": 0.003, "le_requests": 0.01, "escalations": 0.01}
#: ... and re-sent in the next day's file.
DUP_NEXT_FILE = {"moderation_decisions": 0.01, "qa_audits": 0.01, "le_requests": 0.02}
#: Days on which part of the decisions arrive in a second drop (`_2`), and that part.
LATE_DROP_DAY_SHARE = 0.08
LATE_DROP_ROW_SHARE = 0.10

#: Rows of a drop are sorted by this column (decisions keep the world's order: by time).
_SORT_COLUMN = {
    "moderation_decisions": "decided_at", "qa_audits": "audited_at", "audit_disputes": "raised_at",
    "le_requests": "received_at", "escalations": "created_at", "rca_cases": "opened_at",
    "lert_assessments": "assessment_id", "training_completions": "completed_at",
}
#: The order in which each day's drops are written. It fixes the order the "flush" random
#: stream is drawn in, so changing it changes the files; an entity new to the contract is
#: written after these (in name order).
WRITE_ORDER: tuple[str, ...] = (
    "moderators", "moderation_decisions", "qa_audits", "audit_disputes", "calibration_ratings", "rca_cases",
    "policy_changes", "training_completions", "le_requests", "lert_assessments", "escalations",
    "experiment_assignments",
)

# ---------------------------------------------------------------------------------
# CSV rendering.
# ---------------------------------------------------------------------------------

#: Free-text columns: the only ones whose values can hold commas, quotes or line breaks.
TEXT_COLUMNS = frozenset({"auditor_notes", "summary", "corrective_action"})


def csv_bytes(table: pa.Table) -> bytes:
    """Render a table of string columns as RFC 4180 CSV: LF line ends, quotes only where needed."""
    header = (",".join(table.column_names) + "\n").encode()
    if table.num_rows == 0:
        return header
    if table.num_rows < 2_000:  # small drops: the csv module is quicker than Arrow's per-call overhead
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerows(zip(*(col.to_pylist() for col in table.columns)))
        return header + buf.getvalue().encode()
    try:  # fast path: nothing to quote (Arrow refuses values with structural characters)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        return header + sink.getvalue().to_pybytes()
    except pa.ArrowInvalid:
        pass
    cols = []
    for name, col in zip(table.column_names, table.columns):
        a = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        if a.type != pa.string():
            a = a.cast(pa.string())
        need = pc.match_substring_regex(a, r'[",\r\n]') if name in TEXT_COLUMNS else None
        if need is not None and pc.any(need).as_py():
            quoted = pc.binary_join_element_wise('"', pc.replace_substring(a, '"', '""'), '"', "")
            a = pc.if_else(need, quoted, a)
        cols.append(pc.fill_null(a, ""))
    line = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
    line = pc.binary_join_element_wise(line, "", "\n")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)[line.offset: line.offset + len(line) + 1]
    data = line.buffers()[2]
    return header + memoryview(data)[int(offsets[0]): int(offsets[-1])].tobytes()


def table_of(entity: str, rows: list[dict[str, str | None]]) -> pa.Table:
    """Rows (dicts of strings) as a table of the entity's columns, in file order."""
    cols = columns(entity)
    for r in rows:
        _check_columns(entity, r.keys())
    return pa.table({c: pa.array([r[c] for r in rows], type=pa.string()) for c in cols})


def _check_columns(entity: str, names: Any) -> None:
    """A record the world hands over must have exactly the entity's columns (an added
    contract column the world does not fill would otherwise land empty without a word)."""
    if set(names) != set(columns(entity)):
        missing = sorted(set(columns(entity)) - set(names))
        extra = sorted(set(names) - set(columns(entity)))
        raise ValueError(f"the generator's {entity} records do not match the landing contract: "
                         f"missing {missing}, not in the contract {extra}")


# ---------------------------------------------------------------------------------
# The writer.
# ---------------------------------------------------------------------------------

Rows = list[dict[str, str | None]]


class DropWriter:
    """Collects what the world produces per entity and day, and writes each day's drops.

    ``add_rows``/``add_table``/``schedule``/``versions`` queue records for a day's drop (or
    its second drop); ``flush(day)`` writes that day's files; ``counts`` holds the rows
    written per entity (duplicates included: they are rows of the files).
    """

    def __init__(self, out: Path, fmt: Fmt, start: date, n_days: int, rng: np.random.Generator,
                 truth: Path | None = None) -> None:
        self.out = Path(out)
        self.fmt = fmt
        self.start = start
        self.n_days = n_days
        self.end_sec = fmt.epoch0 + n_days * DAY - 1  # last second of the window
        self.rng = rng  # the "flush" stream: duplicates, re-sends, late parts
        self.counts: dict[str, int] = {e: 0 for e in ENTITIES}
        # Outboxes: entity -> day -> tables (main drop), second drop, re-sent carry-over; rows (main drop).
        self.box: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.box2: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.carry: dict[str, dict[int, list[pa.Table]]] = defaultdict(lambda: defaultdict(list))
        self.rows: dict[str, dict[int, Rows]] = defaultdict(lambda: defaultdict(list))
        # The simulated truth per decision (only when asked for): id, correct, critical error.
        self.truth_path = None if truth is None else Path(truth)
        self.truth: list[pa.Table] = []

    # -- queueing ------------------------------------------------------------------

    def add_rows(self, entity: str, day: int, rows: Rows) -> None:
        """Rows for the day's main drop of the entity."""
        self.rows[entity][day].extend(rows)

    def add_table(self, entity: str, day: int, table: pa.Table) -> None:
        """A table for the day's main drop; on some days (``LATE_DROP_DAY_SHARE``) a part of
        it (``LATE_DROP_ROW_SHARE``) arrives in the day's second drop instead."""
        n = table.num_rows
        if self.rng.random() < LATE_DROP_DAY_SHARE:
            late = np.sort(self.rng.choice(n, size=max(1, int(n * LATE_DROP_ROW_SHARE)), replace=False))
            keep = np.setdiff1d(np.arange(n), late)
            self.box[entity][day].append(table.take(pa.array(keep)))
            self.box2[entity][day].append(table.take(pa.array(late)))
        else:
            self.box[entity][day].append(table)

    def schedule(self, entity: str, table: pa.Table, days: np.ndarray, second: bool = False) -> None:
        """Row i of the table goes to the drop of day ``days[i]`` (the second drop when
        ``second``: a correction re-sent later); rows outside the window are dropped."""
        box = self.box2 if second else self.box
        days = np.asarray(days, dtype=np.int64)
        if days.size == 0:
            return
        order = np.argsort(days, kind="stable")
        sd = days[order]
        cuts = np.flatnonzero(np.diff(sd)) + 1
        for part in np.split(np.arange(len(sd)), cuts):
            d = int(sd[part[0]])
            if 0 <= d < self.n_days:
                box[entity][d].append(table.take(pa.array(order[part])))

    def versions(self, entity: str, versions: list[tuple[int, dict[str, str | None]]]) -> None:
        """Emit each version of a record (at its second) in the drop of its day; same-day
        versions collapse to the last, versions after the window are not sent."""
        by_day: dict[int, dict[str, str | None]] = {}
        for sec, row in versions:
            if sec <= self.end_sec:
                by_day[self.fmt.day_of(sec)] = row
        for d, row in by_day.items():
            if 0 <= d < self.n_days:
                self.rows[entity][d].append(row)

    def add_truth(self, table: pa.Table) -> None:
        self.truth.append(table)

    @property
    def wants_truth(self) -> bool:
        return self.truth_path is not None

    # -- writing -------------------------------------------------------------------

    def prepare(self) -> None:
        """Empty every entity folder (a re-run replaces the previous output)."""
        for e in ENTITIES:
            folder = self.out / e
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)

    def flush(self, day: int) -> None:
        """Write the day's drops of every entity."""
        order = [e for e in WRITE_ORDER if e in ENTITY_COLUMNS]
        order += sorted(set(ENTITIES) - set(order))
        for entity in order:
            self._flush(entity, day)

    def _collect(self, entity: str, day: int, second: bool) -> pa.Table | None:
        parts = (self.box2 if second else self.box)[entity].pop(day, [])
        for i, part in enumerate(parts):
            _check_columns(entity, part.column_names)
            parts[i] = part.select(list(columns(entity)))
        r = [] if second else self.rows[entity].pop(day, [])
        if r:
            parts.append(table_of(entity, r))
        if not parts:
            return None
        return pa.concat_tables(parts) if len(parts) > 1 else parts[0]

    def _flush(self, entity: str, day: int) -> None:
        rng = self.rng
        main = self._collect(entity, day, second=False)
        carry = self.carry[entity].pop(day, [])
        if main is not None:
            col = _SORT_COLUMN.get(entity)
            if col and entity != "moderation_decisions":
                main = main.take(pc.sort_indices(main, sort_keys=[(col, "ascending")]))
            n = main.num_rows
            p_in = DUP_IN_FILE.get(entity, 0.0)
            k = int(rng.binomial(n, p_in)) if p_in else 0
            if k:
                dup = rng.choice(n, size=k, replace=False)
                pos = np.concatenate([np.arange(n), dup]).astype(float)
                pos[n:] += 0.5 + rng.random(k) * 3  # a little after the original
                main = pa.concat_tables([main, main.take(pa.array(dup))]).take(pa.array(np.argsort(pos, kind="stable")))
            p_next = DUP_NEXT_FILE.get(entity, 0.0)
            k = int(rng.binomial(n, p_next)) if p_next else 0
            if k and day + 1 < self.n_days:
                self.carry[entity][day + 1].append(main.take(pa.array(np.sort(rng.choice(n, size=k, replace=False)))))
        parts = carry + ([main] if main is not None else [])
        if parts:
            self._write(entity, day, pa.concat_tables(parts), suffix="")
        second = self._collect(entity, day, second=True)
        if second is not None:
            self._write(entity, day, second, suffix="_2")

    def _write(self, entity: str, day: int, table: pa.Table, suffix: str) -> None:
        folder = self.out / entity
        name = f"{entity}_{self.fmt.day_str(day)}{suffix}"
        table = table.select(list(columns(entity)))
        if entity == "moderation_decisions" and (self.start + timedelta(days=day)).weekday() == 6:
            schema = pa.schema([(c, pa.string()) for c in columns(entity)])
            pq.write_table(table.cast(schema), folder / f"{name}.parquet", compression="snappy")
        else:
            (folder / f"{name}.csv").write_bytes(csv_bytes(table))
        self.counts[entity] += table.num_rows

    def write_truth(self) -> None:
        """The simulated truth (what an auditor who is never wrong would say about every
        decision), beside the landing folder: Parquet, one row per decision."""
        assert self.truth_path is not None
        schema = pa.schema([("decision_id", pa.string()), ("is_correct", pa.bool_()),
                            ("is_critical_error", pa.bool_())])
        table = pa.concat_tables(self.truth) if self.truth else schema.empty_table()
        self.truth_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.truth_path.with_name(self.truth_path.name + ".tmp")
        pq.write_table(table, tmp, compression="snappy")
        tmp.replace(self.truth_path)


# ---------------------------------------------------------------------------------
# The landing folder: truth file placement, the sample marker, refusing foreign folders.
# ---------------------------------------------------------------------------------


def check_truth_path(out: Path, truth: Path | None) -> None:
    if truth is not None and Path(truth).resolve().is_relative_to(Path(out).resolve()):
        raise ValueError(f"the truth file {truth} must not be inside the landing folder {out}: "
                         "the build would read it as a landing file; write it beside the folder")


def sample_marker(out: Path) -> Path:
    """The file beside a landing folder that says `tsqa generate` wrote it (beside, not
    in it: the landing root holds entity folders only)."""
    return out.parent / f"{out.name}.tsqa-sample"


def refuse_foreign_landing(out: Path) -> None:
    """Generating deletes the entity folders of ``out``: refuse a folder that holds files
    `tsqa generate` did not write (a production landing folder named by TSQA_RAW_DIR
    while running `make demo`), unless it is the project's own sample folder."""
    from tsqa.settings import PROJECT_DIR

    if not out.is_dir() or sample_marker(out).exists():
        return
    if out.resolve() == (PROJECT_DIR / "data" / "raw").resolve():
        return
    if any(p.is_file() for e in ENTITIES if (out / e).is_dir() for p in (out / e).iterdir()):
        raise SystemExit(
            f"tsqa generate: {out} holds landing files that tsqa generate did not write (no "
            f"{sample_marker(out).name} beside it); generating would delete them. Fix: generate "
            "into another folder (`tsqa generate --out DIR`; `make demo` uses TSQA_RAW_DIR, so "
            "unset it or point it at a new folder)")


def truth_path_beside(out: Path) -> Path:
    """The default truth file of a landing folder: ``<out>.truth.parquet`` beside it."""
    out = Path(out)
    return out.parent / f"{out.name}.truth.parquet"
