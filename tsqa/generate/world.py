"""The simulated world: who works where, what they decide, how it is audited, and the
facts planted in it (see ``params.py``), walked one day at a time.

``World`` holds the state and lookup tables; its parts live beside it as mixins:
``RosterMixin`` (roster.py), ``ModerationMixin`` (moderation.py: decisions, audits,
disputes), ``LertMixin`` (lert.py: LE requests, assessments, escalations, RCA cases) and
``CalibrationMixin`` (calibration.py). Everything it produces goes to a ``DropWriter``
(drops.py), which alone knows files.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from tsqa.generate.calibration import CalibrationMixin
from tsqa.generate.drops import DropWriter, check_truth_path
from tsqa.generate.formats import Fmt
from tsqa.generate.lert import LertMixin
from tsqa.generate.moderation import ModerationMixin
from tsqa.generate.params import (
    A_APPROVE,
    A_ESCALATE,
    ACTIONS,
    AUDIT_SOURCES,
    CONTENT_TYPES,
    DAY,
    DECISIONS_PER_SCALE,
    DEFAULT_END,
    DEFAULT_START,
    DOW_FACTOR,
    ENFORCE_ACTIONS,
    ESCALATIONS_PER_DAY,
    EXP01_ID,
    EXP02_HANDLE_TIME_MULTIPLIER,
    EXP02_ID,
    HT01_CHANGE_AT,
    HT01_POLICY,
    HT01_SPIKE_QUEUES,
    LE_REQUESTS_PER_DAY,
    NEW_POLICY_FALLBACK,
    POLICY_ACTIONS,
    POLICY_CHANGES,
    POLICY_WATCH_DAYS,
    POLICY_WATCH_DAYS_BEFORE,
    QUEUE_APPROVE,
    QUEUE_ERROR_FACTOR,
    QUEUE_ESCALATE,
    QUEUE_HANDLE_FACTOR,
    QUEUE_MIX,
    QUEUE_POLICIES,
    RANDOM_AUDIT_RATE,
    ROOT_CAUSE_MIX,
    SITE_ACCURACY,
    SPIKE_ROOT_CAUSE_MIX,
    AUDITOR_NOTES,
    VENDOR_HANDLE_MEDIAN_S,
    VENDOR_SITES,
    VOLUME_TREND,
    PolicyChange,
)
from tsqa.generate.roster import RosterMixin
from tsqa.generate.sampling import cumulative
from tsqa.generate.seeds import load_seeds


class World(RosterMixin, ModerationMixin, LertMixin, CalibrationMixin):
    """The simulated world of one (scale, seed, start, end); ``run()`` walks it and writes the drops."""

    def __init__(self, out: Path, scale: float, seed: int, progress: bool, start: date, end: date,
                 truth: Path | None = None) -> None:
        if end < start:
            raise ValueError("end must not be before start")
        check_truth_path(out, truth)
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.scale = float(scale)
        self.seed = int(seed)
        self.progress = progress
        self.start, self.end = start, end
        self.n_days = (end - start).days + 1
        self.seeds = load_seeds()
        self.fmt = Fmt(start, self.n_days)
        self.end_sec = self.fmt.epoch0 + self.n_days * DAY - 1  # last second of the window

        # Independent random streams so one part's changes do not reshuffle the others.
        # "sample" draws the random audits alone: the probability sample never depends on
        # the other audit rules (or on how many draws they make).
        names = ["roster", "dec", "audit", "dispute", "flush", "le", "esc", "rca", "cal", "train", "notes", "lert",
                 "sample"]
        self.rng = {n: np.random.default_rng([self.seed, i, int(round(self.scale * 1000))]) for i, n in enumerate(names)}

        s = self.seeds
        self.Q = list(s.queues)
        self.qi = {q: i for i, q in enumerate(self.Q)}
        self.P = list(s.policies)
        self.pi = {p: i for i, p in enumerate(self.P)}
        self.V = list(VENDOR_SITES)
        self.sites = [(v, st) for v in self.V for st in VENDOR_SITES[v]]
        self.site_i = {vs: i for i, vs in enumerate(self.sites)}
        self.markets = sorted({m for v in VENDOR_SITES.values() for _, ms in v.values() for m in ms})
        self.market_i = {m: i for i, m in enumerate(self.markets)}
        self.Q_pa = pa.array(self.Q)
        self.P_pa = pa.array(self.P)
        self.A_pa = pa.array(ACTIONS)
        self.market_pa = pa.array([m for m, _ in self.markets])
        self.ct_pa = pa.array(CONTENT_TYPES)
        self.src_pa = pa.array(AUDIT_SOURCES)
        self.rc_list = list(s.root_causes)
        self.rc_pa = pa.array(self.rc_list)
        self.tier = np.array([s.policy_tier[p] for p in self.P])

        # Everything the world produces goes through the drop writer.
        self.drops = DropWriter(out, self.fmt, start, self.n_days, self.rng["flush"], truth)

        self.n_decisions = 0
        self.n_audits = 0
        self.n_disputes = 0
        self.n_requests = 0
        self.n_assessments = 0
        self.n_escalations = 0
        self.n_rca = 0
        self.n_sessions = 0
        self.n_items = 0
        self.recent_requests: list[tuple[str, int]] = []
        self.spike_rca_planted = False

        self._build_tables()
        self.roster = self._plan_roster()
        self._plan_experiments()
        self._plan_training()

    # -- lookup tables -------------------------------------------------------------

    def _change_day(self, ch: PolicyChange) -> int:
        return (ch.effective_at.date() - self.start).days

    def _build_tables(self) -> None:
        nq = len(self.Q)
        # regime 0 = before the `new` policies exist, 1 = after.
        self.new_policy_day = {
            ch.policy_code: self._change_day(ch) for ch in POLICY_CHANGES if ch.change_type == "new"
        }
        k_out = 1 + max(len(m) for m in QUEUE_POLICIES.values()) * 4
        k_pol = max(len(m) for m in QUEUE_POLICIES.values())
        self.out_act = np.zeros((2, nq, k_out), dtype=np.int8)
        self.out_pol = np.full((2, nq, k_out), -1, dtype=np.int16)
        self.out_cum = np.ones((2, nq, k_out))
        self.pol_idx = np.zeros((2, nq, k_pol), dtype=np.int16)
        self.pol_cum = np.ones((2, nq, k_pol))
        for r in (0, 1):
            for q in self.Q:
                qi = self.qi[q]
                pols: dict[str, float] = defaultdict(float)
                for p, w in QUEUE_POLICIES[q].items():
                    if r == 0 and p in NEW_POLICY_FALLBACK:
                        p = NEW_POLICY_FALLBACK[p]
                    pols[p] += w
                tot = sum(pols.values())
                pa_, pe = QUEUE_APPROVE[q], QUEUE_ESCALATE[q]
                outs: list[tuple[int, int, float]] = [(A_APPROVE, -1, pa_)]
                for p, w in pols.items():
                    outs.append((A_ESCALATE, self.pi[p], pe * w / tot))
                    for a, wa in zip(ENFORCE_ACTIONS, POLICY_ACTIONS[p]):
                        if wa > 0:
                            outs.append((a, self.pi[p], (1 - pa_ - pe) * w / tot * wa))
                probs = np.array([o[2] for o in outs])
                self.out_act[r, qi, : len(outs)] = [o[0] for o in outs]
                self.out_pol[r, qi, : len(outs)] = [o[1] for o in outs]
                self.out_cum[r, qi, : len(outs)] = cumulative(probs)
                self.pol_idx[r, qi, : len(pols)] = [self.pi[p] for p in pols]
                self.pol_idx[r, qi, len(pols):] = self.pi[next(iter(pols))]
                self.pol_cum[r, qi, : len(pols)] = cumulative(np.array(list(pols.values())))
        self.act_cum = cumulative(np.array([POLICY_ACTIONS.get(p, (1.0, 0.0, 0.0)) for p in self.P]) + 1e-12)
        self.q_err = np.array([QUEUE_ERROR_FACTOR[q] for q in self.Q])
        self.q_random = np.array([RANDOM_AUDIT_RATE[q] for q in self.Q])
        self.q_handle = np.array([QUEUE_HANDLE_FACTOR[q] for q in self.Q])
        self.q_high = np.array([self.seeds.queue_high_harm[q] for q in self.Q])
        self.q_surface = np.array([CONTENT_TYPES.index(self.seeds.queue_surface[q]) for q in self.Q])
        self.q_mix = np.array([QUEUE_MIX[q] for q in self.Q])
        self.q_mix = self.q_mix / self.q_mix.sum()
        self.site_acc = np.array([SITE_ACCURACY[s] for s in self.sites])
        self.site_vendor = np.array([self.V.index(v) for v, _ in self.sites])
        self.site_offset = np.array([VENDOR_SITES[v][st][0] for v, st in self.sites])
        self.site_markets = [[self.market_i[m] for m in VENDOR_SITES[v][st][1]] for v, st in self.sites]
        self.site_n_markets = np.array([len(m) for m in self.site_markets])
        self.site_market_arr = np.array([m + [m[0]] * (max(self.site_n_markets) - len(m)) for m in self.site_markets])
        self.vendor_handle = np.array([VENDOR_HANDLE_MEDIAN_S[v] for v in self.V])
        self.root_mix = {
            t: (np.array([self.rc_list.index(c) for c in m]), np.array(list(m.values()))) for t, m in ROOT_CAUSE_MIX.items()
        }
        self.spike_mix = (np.array([self.rc_list.index(c) for c in SPIKE_ROOT_CAUSE_MIX]),
                          np.array(list(SPIKE_ROOT_CAUSE_MIX.values())))
        self.ht = self.pi[HT01_POLICY]
        self.ht_day = (HT01_CHANGE_AT.date() - self.start).days
        self.spike_q = np.array([q in HT01_SPIKE_QUEUES for q in self.Q])
        # Targeted-audit watch after each policy change: the policy, and queues where it dominates.
        self.watch: list[tuple[int, int, int, np.ndarray]] = []
        for ch in POLICY_CHANGES:
            d0 = self._change_day(ch)
            qs = np.array([QUEUE_POLICIES[q].get(ch.policy_code, 0) / sum(QUEUE_POLICIES[q].values()) >= 0.3 for q in self.Q])
            self.watch.append((d0 - POLICY_WATCH_DAYS_BEFORE, d0 + POLICY_WATCH_DAYS, self.pi[ch.policy_code], qs))
        self.notes = {t: np.array(v, dtype=object) for t, v in AUDITOR_NOTES.items()}
        exp = self.seeds.experiments
        self.exp_days = {
            e: ((exp[e]["started_on"] - self.start).days, (exp[e]["ended_on"] - self.start).days) for e in (EXP01_ID, EXP02_ID)
        }
        self.exp_variants = {e: [v for v, _ in exp[e]["split"]] for e in (EXP01_ID, EXP02_ID)}
        self.exp02_handle = np.array([EXP02_HANDLE_TIME_MULTIPLIER.get(v, 1.0) for v in self.exp_variants[EXP02_ID]] + [1.0])
        self.exp01_treat = self.exp_variants[EXP01_ID].index("treatment") if "treatment" in self.exp_variants[EXP01_ID] else -1

    # -- main loop -------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.drops.prepare()
        s = self.scale
        mean_dow = sum(DOW_FACTOR) / 7
        # The daily rate is fixed by the default window, so a shorter window writes fewer rows.
        default_days = (DEFAULT_END - DEFAULT_START).days + 1
        self.dec_per_day = DECISIONS_PER_SCALE * s / (default_days * mean_dow * (1 + VOLUME_TREND / 2))
        self.n_users = max(2_000, int(15_000 * s**0.8))
        self.le_per_day = LE_REQUESTS_PER_DAY * s**0.5
        self.esc_per_day = ESCALATIONS_PER_DAY * s**0.5
        # Policy changes are announced a week before they take effect.
        for ch in POLICY_CHANGES:
            d = max(0, self._change_day(ch) - 7)
            if self._change_day(ch) < self.n_days and self._change_day(ch) >= 0:
                self.drops.add_rows("policy_changes", d, [{
                    "policy_code": ch.policy_code, "version": ch.version,
                    "effective_at": ch.effective_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "change_type": ch.change_type, "summary": ch.summary,
                }])
        for d, rows in self.training.items():
            self.drops.add_rows("training_completions", d, rows)
        for d, rows in self.assignments.items():
            self.drops.add_rows("experiment_assignments", d, rows)

        t0 = time.perf_counter()
        step = max(1, round(self.n_days / 10))
        for day in range(self.n_days):
            self._roster_day(day)
            if day == 0 or (self.start + timedelta(days=day)).weekday() == 0:
                self._calibration_week(day)
            self._decisions_day(day)
            self._le_day(day)
            self._escalations_day(day)
            self.drops.flush(day)
            if self.progress and ((day + 1) % step == 0 or day + 1 == self.n_days):
                pct = 100 * (day + 1) / self.n_days
                rate = self.n_decisions / max(time.perf_counter() - t0, 1e-9)
                print(f"generate: {self.start + timedelta(days=day)} {pct:4.0f}% "
                      f"{self.n_decisions:,} decisions ({rate:,.0f}/s)", file=sys.stderr, flush=True)
        if self.drops.wants_truth:
            self.drops.write_truth()
        return dict(self.drops.counts)
