"""The roster of the simulated world: people, their vendor, site, market and skills, and
the SCD2 events (hires, leavers, movers) decisions and audits follow; the experiment
assignments and training completions planned on it.

``RosterMixin`` is part of ``World`` (world.py): it reads the world's lookup tables and
random streams and hands the moderators feed to the drop writer day by day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from tsqa.generate.formats import id_of
from tsqa.generate.params import (
    BPO_VENDOR_SHARE,
    COURSES,
    DAY,
    EMAIL_DOMAIN,
    EXP01_ID,
    EXP02_ID,
    HOUR,
    HT01_REFRESHER_COURSE,
    HT01_REFRESHER_DAYS,
    HT01_SPIKE_QUEUES,
    R_AUDITOR,
    R_EXPERT,
    R_LERT,
    R_MOD,
    ROLES,
    SITE_SHARE,
    TRAINING_PASS_SCORE,
    VENDOR_SITES,
)
from tsqa.generate.sampling import largest_remainder


@dataclass
class Roster:
    ids: list[str]
    role: np.ndarray
    vendor: np.ndarray  # current vendor index (changes with moves)
    site: np.ndarray  # current global site index
    market: np.ndarray  # current market index
    hired_day: np.ndarray
    left_day: np.ndarray  # first day no longer working (large when never)
    skills: np.ndarray  # bool [person, queue]
    primary: np.ndarray  # primary queue (-1 for non-moderators)
    productivity: np.ndarray
    skill_factor: np.ndarray  # error-probability factor
    exp01: np.ndarray  # -1 not a unit, else variant index
    exp02: np.ndarray
    ht_trained_day: np.ndarray  # first day after the HT-01 refresher (large when never)
    events: dict[int, list[tuple[str, int, tuple[int, int, int] | None]]] = field(default_factory=dict)

    def active(self, day: int) -> np.ndarray:
        return (self.hired_day <= day) & (self.left_day > day)


NEVER = 1 << 30


class RosterMixin:
    """Plans the roster up front (it is small) and emits its changes day by day."""

    def _plan_roster(self) -> Roster:
        rng = self.rng["roster"]
        n0 = max(40, round(60 * self.scale**0.5))
        n_lert = max(3, round(0.06 * n0))
        n_expert = max(3, round(0.05 * n0))
        n_aud = max(4, round(0.08 * n0))
        n_mod = n0 - n_lert - n_expert - n_aud
        n_bpo = min(round(0.6 * n0), n_mod - 3)
        people: list[dict[str, Any]] = []

        def site_of(vendor: str) -> int:
            names = list(VENDOR_SITES[vendor])
            w = np.array([SITE_SHARE[(vendor, s)] for s in names])
            return self.site_i[(vendor, names[rng.choice(len(names), p=w / w.sum())])]

        def group(role: int, vendor: str, count: int) -> list[dict[str, Any]]:
            # Sites by largest remainder, so every site is staffed even at small scale.
            names = list(VENDOR_SITES[vendor])
            per_site = largest_remainder(count, [SITE_SHARE[(vendor, s)] for s in names])
            return [person(role, vendor, self.site_i[(vendor, s)]) for s, c in zip(names, per_site) for _ in range(c)]

        def person(role: int, vendor: str, site: int | None = None, hired: int | None = None) -> dict[str, Any]:
            site = site_of(vendor) if site is None else site
            ms = self.site_markets[site]
            return {
                "role": role, "vendor": self.V.index(vendor), "site": site, "market": ms[rng.integers(len(ms))],
                "hired": int(-rng.integers(30, 1500)) if hired is None else hired,
            }

        bpo_counts = largest_remainder(n_bpo, list(BPO_VENDOR_SHARE.values()))
        for v, c in zip(BPO_VENDOR_SHARE, bpo_counts):
            people += group(R_MOD, v, c)
        people += group(R_MOD, "inhouse", n_mod - n_bpo)
        people += group(R_AUDITOR, "inhouse", n_aud)
        people += group(R_EXPERT, "inhouse", n_expert)
        people += group(R_LERT, "inhouse", n_lert)
        order = rng.permutation(len(people))
        people = [people[i] for i in order]

        # Queue skills for the moderators: primary by queue mix, plus one or two more.
        mods = [i for i, p in enumerate(people) if p["role"] == R_MOD]
        prim = np.repeat(np.arange(len(self.Q)), largest_remainder(len(mods), list(self.q_mix)))
        prim = prim[rng.permutation(len(prim))]
        nq = len(self.Q)
        skills = np.zeros((len(people), nq), dtype=bool)
        primary = np.full(len(people), -1)
        for j, i in enumerate(mods):
            skills[i, prim[j]] = True
            primary[i] = prim[j]
            extra = rng.choice(nq, size=1 + int(rng.random() < 0.4), replace=False, p=self.q_mix)
            skills[i, extra] = True

        # Events: new hires, leavers, movers (SCD2 changes).
        n = self.n_days
        events: dict[int, list[tuple[str, int, tuple[int, int, int] | None]]] = defaultdict(list)
        left = np.full(len(people), NEVER, dtype=np.int64)
        n_hires = max(2, round(0.10 * len(mods)))
        hire_vendors = rng.choice(len(self.V), size=n_hires, p=[0.3, 0.3, 0.15, 0.25])
        new_people = []
        new_skills = np.zeros((n_hires, nq), dtype=bool)
        for h in range(n_hires):
            day = int(rng.integers(min(14, n - 1), max(min(14, n - 1) + 1, n - 30)))
            p = person(R_MOD, self.V[hire_vendors[h]], hired=day)
            new_people.append(p)
            new_skills[h, rng.choice(nq, size=2, replace=False, p=self.q_mix)] = True
        people += new_people
        skills = np.vstack([skills, new_skills])
        primary = np.concatenate([primary, new_skills.argmax(axis=1)])
        left = np.concatenate([left, np.full(n_hires, NEVER, dtype=np.int64)])
        mods_all = [i for i, p in enumerate(people) if p["role"] == R_MOD]

        pool = rng.permutation(mods)
        n_leave = max(2, round(0.08 * len(mods)))
        leavers = pool[:n_leave]
        for i in leavers:
            d = int(rng.integers(min(20, n - 1), max(min(20, n - 1) + 1, n - 5)))
            left[i] = d
            events[d].append(("leave", int(i), None))
        bpo = [i for i in pool[n_leave:] if self.V[people[i]["vendor"]] != "inhouse"]
        n_move = max(2, round(0.10 * len(mods)))
        for i in bpo[:n_move]:
            d = int(rng.integers(min(30, n - 1), max(min(30, n - 1) + 1, n - 20)))
            v = self.V[people[i]["vendor"]]
            others = [s for s in VENDOR_SITES[v] if self.sites[people[i]["site"]][1] != s]
            if others and rng.random() < 0.5:
                nv, ns = v, others[rng.integers(len(others))]
            else:
                choices = [x for x in BPO_VENDOR_SHARE if x != v]
                nv = choices[rng.integers(len(choices))]
                ns = list(VENDOR_SITES[nv])[rng.integers(len(VENDOR_SITES[nv]))]
            site = self.site_i[(nv, ns)]
            ms = self.site_markets[site]
            market = people[i]["market"] if people[i]["market"] in ms else ms[rng.integers(len(ms))]
            events[d].append(("move", int(i), (self.V.index(nv), site, market)))
        for i, p in enumerate(people):
            if p["hired"] >= 0:
                events[p["hired"]].append(("hire", i, None))

        N = len(people)
        roster = Roster(
            ids=[id_of("M", i + 1, 4) for i in range(N)],
            role=np.array([p["role"] for p in people]),
            vendor=np.array([p["vendor"] for p in people]),
            site=np.array([p["site"] for p in people]),
            market=np.array([p["market"] for p in people]),
            hired_day=np.array([p["hired"] for p in people], dtype=np.int64),
            left_day=left,
            skills=skills,
            primary=primary,
            productivity=np.exp(rng.normal(0, 0.25, N)),
            skill_factor=np.clip(np.exp(rng.normal(0, 0.25, N)), 0.5, 2.0),
            exp01=np.full(N, -1),
            exp02=np.full(N, -1),
            ht_trained_day=np.full(N, NEVER, dtype=np.int64),
            events=dict(events),
        )
        self.ids_pa = pa.array(roster.ids)
        self.mods_all = mods_all
        self.lert_ids = sorted(i for i in range(N) if roster.role[i] == R_LERT)
        self.overdiscloser = self.lert_ids[0]
        return roster

    def _plan_experiments(self) -> None:
        R = self.roster
        rng = self.rng["roster"]
        self.assignments: dict[int, list[dict[str, str | None]]] = defaultdict(list)
        for e, attr in ((EXP01_ID, "exp01"), (EXP02_ID, "exp02")):
            d0, _ = self.exp_days[e]
            if not (0 <= d0 < self.n_days):
                continue
            assign_day = d0 - 1 if d0 >= 1 else 0
            units = np.flatnonzero((R.role == R_MOD) & (R.hired_day <= assign_day) & (R.left_day > d0))
            # Site as of the start day: assignment is blocked by site, primary queue and prior
            # skill (a stratified design), each block of len(variants) people randomly permuted.
            site = R.site.copy()
            for d in sorted(k for k in R.events if k <= d0):
                for kind, i, new in R.events[d]:
                    if kind == "move" and new is not None:
                        site[i] = new[1]
            variants = self.exp_variants[e]
            arr = getattr(R, attr)
            k = len(variants)
            for st in range(len(self.sites)):
                grp = units[site[units] == st]
                grp = grp[np.lexsort((R.skill_factor[grp], R.primary[grp]))]
                for b0 in range(0, len(grp), k):
                    block = grp[b0: b0 + k]
                    arr[block] = rng.permutation(k)[: len(block)]
            for i in units:
                sec = self.fmt.epoch0 + assign_day * DAY + 18 * HOUR + int(rng.integers(0, 4 * HOUR))
                self.assignments[assign_day].append({
                    "experiment_id": e, "unit_id": R.ids[i], "variant": variants[arr[i]],
                    "assigned_at": self.fmt.ts1(sec),
                })

    def _plan_training(self) -> None:
        R = self.roster
        rng = self.rng["train"]
        self.training: dict[int, list[dict[str, str | None]]] = defaultdict(list)

        def complete(i: int, course: str, day: int, retake_ok: bool = True, mean: float = 84) -> int | None:
            if not (0 <= day < self.n_days) or day >= R.left_day[i] or day < R.hired_day[i]:
                return None
            sec = self.fmt.epoch0 + day * DAY + int(rng.integers(8 * HOUR, 22 * HOUR))
            score = int(np.clip(round(rng.normal(mean, 9)), 0, 100))
            self.training[day].append({
                "moderator_id": R.ids[i], "course_code": course, "policy_code": COURSES[course],
                "completed_at": self.fmt.ts1(sec), "score": str(score),
            })
            if retake_ok and score < TRAINING_PASS_SCORE:
                complete(i, course, day + int(rng.integers(2, 7)), retake_ok=False, mean=86)
            return day

        mods = np.flatnonzero(R.role == R_MOD)
        for i in mods:
            if R.hired_day[i] >= 0:
                complete(int(i), "ONB-101", int(R.hired_day[i] + rng.integers(2, 10)), mean=80)
        ms = self.qi["video_minor_safety"]
        for i in mods:
            if R.skills[i, ms] and rng.random() < 0.85:
                complete(int(i), "MS-ADV", int(rng.integers(30, 56)))
        sp = self.pi.get("SP-02")
        sp_day = self.new_policy_day.get("SP-02", 0)
        ai = self.qi["account_integrity"]
        for i in mods:
            if sp is not None and R.skills[i, ai] and rng.random() < 0.9:
                complete(int(i), "SP-02-INTRO", sp_day - int(rng.integers(1, 8)), mean=88)
        hq = [self.qi[q] for q in HT01_SPIKE_QUEUES]
        for i in mods:
            if R.skills[i, hq].any() and R.hired_day[i] <= self.ht_day and rng.random() < 0.92:
                d = complete(int(i), HT01_REFRESHER_COURSE, self.ht_day + int(rng.integers(*HT01_REFRESHER_DAYS)))
                if d is not None:
                    R.ht_trained_day[i] = d

    # -- moderators -------------------------------------------------------------------

    def _moderator_row(self, i: int, day: int, updated_sec: int) -> dict[str, str | None]:
        R = self.roster
        v = self.V[R.vendor[i]]
        m, lang = self.markets[R.market[i]]
        return {
            "moderator_id": R.ids[i], "vendor_code": v, "site": self.sites[R.site[i]][1], "market": m,
            "language": lang, "role": ROLES[R.role[i]],
            "work_email": f"{R.ids[i].lower()}@{EMAIL_DOMAIN[v]}",
            "hired_on": self.fmt.day_str(int(R.hired_day[i])),
            "left_on": self.fmt.day_str(int(R.left_day[i])) if R.left_day[i] <= day else None,
            "updated_at": self.fmt.ts1(updated_sec),
        }

    def _roster_day(self, day: int) -> None:
        R = self.roster
        base = self.fmt.epoch0 + day * DAY
        rows: list[dict[str, str | None]] = []
        if day == 0:
            for i in range(len(R.ids)):
                if R.hired_day[i] <= 0:
                    rows.append(self._moderator_row(i, day, base))
        for kind, i, new in sorted(R.events.get(day, []), key=lambda e: e[1]):
            if kind == "move" and new is not None:
                R.vendor[i], R.site[i], R.market[i] = new
                rows.append(self._moderator_row(i, day, base))
            elif kind == "hire" and day > 0:
                rows.append(self._moderator_row(i, day, base))
            elif kind == "leave":
                rows.append(self._moderator_row(i, day, base + 9 * HOUR))
        self.drops.add_rows("moderators", day, rows)
