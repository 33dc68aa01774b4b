"""Formatting values as the landing files hold them: timestamps (UTC ``Z`` or a fixed
offset), dates and zero-padded identifiers, vectorised through lookup tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsqa.generate.params import DAY, HOUR, OFFSET_HOURS

#: Days before `start` that the date lookup covers (hire dates).
DATE_BACK = 2_500


class Fmt:
    """Fast string formatting of timestamps and dates through lookup tables."""

    def __init__(self, start: date, n_days: int) -> None:
        self.epoch0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        first = np.datetime64(start) - np.timedelta64(DATE_BACK, "D")
        days = np.arange(first, np.datetime64(start) + np.timedelta64(n_days + 800, "D"))
        self.dates_list = [str(d) for d in days]
        self.dates = pa.array(self.dates_list)
        hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        self.tod_z = pa.array([h + "Z" for h in hms])
        sign = "-" if OFFSET_HOURS < 0 else "+"
        self.off_suffix = f"{sign}{abs(OFFSET_HOURS):02d}:00"
        self.tod_off = pa.array([h + self.off_suffix for h in hms])

    def day_str(self, day: int) -> str:
        return self.dates_list[day + DATE_BACK]

    def dates_of(self, days: np.ndarray) -> pa.Array:
        return self.dates.take(pa.array(np.asarray(days, dtype=np.int64) + DATE_BACK))

    def ts(self, sec: np.ndarray, offset: np.ndarray | None = None) -> pa.Array:
        sec = np.asarray(sec, dtype=np.int64)
        rel = sec - self.epoch0
        out = pc.binary_join_element_wise(
            self.dates_of(rel // DAY), self.tod_z.take(pa.array(rel % DAY)), "T"
        )
        if offset is not None and offset.any():
            loc = rel + OFFSET_HOURS * HOUR
            alt = pc.binary_join_element_wise(
                self.dates_of(loc // DAY), self.tod_off.take(pa.array(loc % DAY)), "T"
            )
            out = pc.if_else(pa.array(offset), alt, out)
        return out

    def ts1(self, sec: int | None, offset: bool = False) -> str | None:
        if sec is None:
            return None
        if offset:
            t = datetime.fromtimestamp(sec + OFFSET_HOURS * HOUR, UTC)
            return t.strftime("%Y-%m-%dT%H:%M:%S") + self.off_suffix
        return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day_of(self, sec: int) -> int:
        return (sec - self.epoch0) // DAY


def ids_of(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    s = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, s, "")


def id_of(prefix: str, number: int, width: int) -> str:
    return f"{prefix}{number:0{width}d}"


def lookup(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """values[idx] with null where idx < 0."""
    idx = np.asarray(idx, dtype=np.int64)
    return values.take(pa.array(idx, mask=idx < 0))
