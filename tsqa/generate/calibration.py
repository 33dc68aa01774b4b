"""Calibration sessions in the simulated world: each week's sessions, their items, the
participants' labels and the expert's reference label (two planted poor sessions).

``CalibrationMixin`` is part of ``World`` (world.py).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from tsqa.generate.formats import id_of
from tsqa.generate.params import POOR_CALIBRATION_SESSIONS, QUEUE_POLICIES, R_EXPERT, R_MOD


class CalibrationMixin:
    """Plans and rates the calibration sessions of a week."""

    def _calibration_week(self, day: int) -> None:
        """Plan the calibration sessions of the week starting on `day` (a Monday or the first day)."""
        rng = self.rng["cal"]
        R = self.roster
        week_end = day + 7 - (self.start + timedelta(days=day)).weekday()
        week_days = list(range(day, min(week_end, self.n_days)))
        n = (1 + int(rng.binomial(2, 0.5))) * max(1, round(self.scale**0.25))
        sessions: list[tuple[int, int, bool]] = []
        planted = [(d, q) for d, q in POOR_CALIBRATION_SESSIONS if (d - self.start).days in week_days]
        for d, q in planted:
            sessions.append(((d - self.start).days, self.qi[q], True))
        n -= len(planted)
        if n > 0:
            qs = rng.choice(len(self.Q), size=n, replace=n > len(self.Q), p=self.q_mix)
            for q in qs:
                d = min(day + int(rng.integers(1, 4)), week_days[-1])
                sessions.append((d, int(q), False))
        sessions.sort(key=lambda s: (s[0], s[1]))
        items_scale = max(1.0, self.scale**0.25)
        for d, q, poor in sessions:
            active = R.active(d)
            experts = np.flatnonzero(active & (R.role == R_EXPERT))
            cand = np.flatnonzero(active & (R.role == R_MOD) & R.skills[:, q])
            if cand.size < 4:
                cand = np.flatnonzero(active & (R.role == R_MOD))
            if cand.size < 2 or experts.size == 0:
                continue
            self.n_sessions += 1
            sid = id_of("CAL-", self.n_sessions, 4)
            k = min(cand.size, int(rng.integers(4, 9)))
            raters = rng.choice(cand, size=k, replace=False)
            expert = experts[rng.integers(experts.size)]
            n_items = int(rng.integers(20, 41) * items_scale)
            labels = ["approve"] + list(QUEUE_POLICIES[self.Q[q]])
            if d < self.new_policy_day.get("SP-02", -1) and "SP-02" in labels:
                labels.remove("SP-02")
            w = np.array([0.35] + [0.65 * QUEUE_POLICIES[self.Q[q]][x] for x in labels[1:]])
            truth = rng.choice(len(labels), size=n_items, p=w / w.sum())
            acc = rng.uniform(0.55, 0.65, k) if poor else rng.uniform(0.88, 0.98, k)
            right = rng.random((n_items, k)) < acc[None, :]
            wrong = (truth[:, None] + rng.integers(1, len(labels), (n_items, k))) % len(labels)
            lab = np.where(right, truth[:, None], wrong)
            skip = rng.random((n_items, k)) < (0.03 if rng.random() < 0.4 else 0.0)
            has_ref = rng.random(n_items) < 0.9
            ref = np.where(rng.random(n_items) < 0.98, truth, (truth + 1) % len(labels))
            item_no = self.n_items + 1 + np.arange(n_items)
            self.n_items += n_items
            date_s = self.fmt.day_str(d)
            rows = []
            for it in range(n_items):
                iid = id_of("CI", int(item_no[it]), 6)
                for r in range(k):
                    if not skip[it, r]:
                        rows.append({"session_id": sid, "session_date": date_s, "queue_code": self.Q[q], "item_id": iid,
                                     "rater_id": R.ids[raters[r]], "rater_role": "participant", "label": labels[lab[it, r]]})
                if has_ref[it]:
                    rows.append({"session_id": sid, "session_date": date_s, "queue_code": self.Q[q], "item_id": iid,
                                 "rater_id": R.ids[expert], "rater_role": "reference", "label": labels[ref[it]]})
            self.drops.add_rows("calibration_ratings", d, rows)
