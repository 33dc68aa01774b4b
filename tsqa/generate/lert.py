"""Law enforcement and incidents in the simulated world: LE requests and their lifecycle,
LERT quality assessments (with the planted over-disclosing specialist), escalations, and
the root-cause (RCA) cases opened on audits, escalations and LE requests.

``LertMixin`` is part of ``World`` (world.py); each record's versions go to the drop
writer, which sends each version in the drop of its day.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from tsqa.generate.formats import id_of
from tsqa.generate.params import (
    DAY,
    DISCLOSURE_FAIL_P,
    ESC_SEVERITIES,
    ESC_SOURCES,
    HOUR,
    HT01_CHANGE_AT,
    HT01_POLICY,
    HT01_REFRESHER_COURSE,
    HT01_SPIKE_MAX_DAYS,
    HT01_VERSION,
    LE_AGENCY_TYPES,
    LE_BACKLOG_DAYS,
    LE_BACKLOG_SHARE,
    LE_COUNTRIES,
    LE_OUTCOMES,
    LE_REQUEST_TYPE_P,
    LERT_ASSESSMENT_RATE,
    OFFSET_TIMESTAMP_SHARE,
    POLICY_CHANGE_ROOT_CAUSE,
)


class LertMixin:
    """LE requests, assessments, escalations and RCA cases, one day at a time."""

    def _le_day(self, day: int) -> None:
        rng = self.rng["le"]
        R = self.roster
        weekday = (self.start + timedelta(days=day)).weekday()
        n = int(rng.poisson(self.le_per_day * (1.0 if weekday < 5 else 0.45)))
        specialists = [i for i in self.lert_ids if R.hired_day[i] <= day < R.left_day[i]]
        types = list(LE_REQUEST_TYPE_P)
        countries = list(LE_COUNTRIES)
        base = self.fmt.epoch0 + day * DAY
        for _ in range(n):
            self.n_requests += 1
            rid = id_of("LE-", self.n_requests, 6)
            received = base + (int(rng.integers(13 * HOUR, 23 * HOUR)) if rng.random() < 0.8 else int(rng.integers(0, DAY)))
            rtype = types[rng.choice(len(types), p=np.array(list(LE_REQUEST_TYPE_P.values())))]
            country = countries[rng.choice(len(countries), p=np.array(list(LE_COUNTRIES.values())))]
            agency = LE_AGENCY_TYPES[rng.choice(3, p=[0.35, 0.30, 0.35])] if country == "US" else "foreign"
            accounts = int(rng.geometric(0.55))
            valid = rng.random() < 0.93
            spec = specialists[rng.integers(len(specialists))]
            sla = self.seeds.sla_hours[rtype]
            f = float(np.exp(rng.normal(np.log(0.35 if rtype == "emergency" else 0.45), 0.5)))
            if rng.random() < 0.05:  # stuck: answered very late, or not by the end of the window
                f = float(rng.uniform(1.5, 5.0))
            responded = received + int(sla * f * HOUR)
            if received > self.end_sec - LE_BACKLOG_DAYS * DAY and rng.random() < LE_BACKLOG_SHARE:
                responded = self.end_sec + int(rng.uniform(1, 20) * DAY)  # still unanswered at the end
            closed = responded + int(rng.uniform(2, 20) * DAY) if rng.random() < 0.55 else None
            if not valid:
                outcome = "rejected" if rng.random() < 0.85 else "withdrawn"
            else:
                outcome = LE_OUTCOMES[rng.choice(5, p=[0.45, 0.28, 0.15, 0.04, 0.08])]
            offset = rng.random() < OFFSET_TIMESTAMP_SHARE
            fix_at = received + int(rng.uniform(0.5, 3) * DAY) if rng.random() < 0.03 else None

            def row(status: str, updated: int, accts: int) -> dict[str, str | None]:
                done = status != "open"
                return {
                    "request_id": rid, "received_at": self.fmt.ts1(received, offset), "country": country,
                    "agency_type": agency, "request_type": rtype, "accounts_specified": str(accts),
                    "legal_process_valid": "true" if valid else "false", "specialist_id": R.ids[spec],
                    "status": status, "outcome": outcome if done else None,
                    "responded_at": self.fmt.ts1(responded, offset) if done else None,
                    "updated_at": self.fmt.ts1(updated, offset),
                }

            fixed = accounts + 1
            versions = [(received, row("open", received, accounts))]
            if fix_at is not None and fix_at < responded:
                versions.append((fix_at, row("open", fix_at, fixed)))
            acc = fixed if fix_at is not None and fix_at < responded else accounts
            versions.append((responded, row("responded", responded, acc)))
            if closed is not None:
                versions.append((closed, row("closed", closed, acc)))
            self.drops.versions("le_requests", versions)
            self.recent_requests.append((rid, received))
            if responded <= self.end_sec:
                self._assessment(rid, spec, rtype, outcome, responded)
                if f > 1 and rng.random() < 0.15:
                    self._rca("le_request", rid, responded + int(rng.uniform(1, 3) * DAY), None, "PRC-HAND")
        self.recent_requests = [(r, t) for r, t in self.recent_requests if t > base - 45 * DAY]

    def _assessment(self, rid: str, spec: int, rtype: str, outcome: str, responded: int) -> None:
        rng = self.rng["lert"]
        if rng.random() >= LERT_ASSESSMENT_RATE:
            return
        assessed = responded + int(rng.uniform(1, 12) * DAY)
        if assessed > self.end_sec:
            return
        others = [i for i in self.lert_ids if i != spec]
        assessor = others[rng.integers(len(others))]
        self.n_assessments += 1
        aid = id_of("LA-", self.n_assessments, 6)
        disclosed = outcome in ("disclosed_full", "disclosed_partial")
        over = False
        rows = []
        for item, critical in self.seeds.scorecard:
            if item == "emergency_criteria" and rtype != "emergency":
                res = "na"
            elif item == "data_preservation" and rtype != "preservation":
                res = "na"
            elif item == "disclosure_scope":
                p_fail = DISCLOSURE_FAIL_P[1] if spec == self.overdiscloser else DISCLOSURE_FAIL_P[0]
                res = "na" if not disclosed else ("fail" if rng.random() < p_fail else "pass")
                over = res == "fail"
            elif item == "user_notice" and rng.random() < 0.2:
                res = "na"
            else:
                res = "fail" if rng.random() < (0.01 if critical else 0.06) else "pass"
            rows.append({"assessment_id": aid, "request_id": rid, "specialist_id": self.roster.ids[spec],
                         "assessor_id": self.roster.ids[assessor], "assessed_at": self.fmt.ts1(assessed),
                         "item_code": item, "result": res})
        self.drops.add_rows("lert_assessments", self.fmt.day_of(assessed), rows)
        if over and rng.random() < 0.6:
            self._rca("le_request", rid, assessed + int(rng.uniform(1, 4) * DAY), None, "PRC-SOP")

    def _escalations_day(self, day: int) -> None:
        rng = self.rng["esc"]
        n = int(rng.poisson(self.esc_per_day))
        base = self.fmt.epoch0 + day * DAY
        mit_med = {"sev1": 3, "sev2": 10, "sev3": 30, "sev4": 60}
        res_med = {"sev1": 24, "sev2": 48, "sev3": 96, "sev4": 120}
        for _ in range(n):
            self.n_escalations += 1
            eid = id_of("ESC-", self.n_escalations, 5)
            created = base + int(rng.integers(0, DAY))
            source = ESC_SOURCES[rng.choice(5, p=[0.12, 0.08, 0.30, 0.15, 0.35])]
            request = None
            if source == "law_enforcement":
                pool = [r for r, t in self.recent_requests if t <= created]
                if pool:
                    request = pool[rng.integers(len(pool))]
                else:
                    source = "internal"
            sev = ESC_SEVERITIES[rng.choice(4, p=[0.05, 0.20, 0.40, 0.35])]
            queue = None if rng.random() < 0.25 else self.Q[rng.choice(len(self.Q), p=self.q_mix)]
            stuck = rng.random() < 0.05
            mitigated = None if stuck else created + int(mit_med[sev] * HOUR * np.exp(rng.normal(0, 0.6)))
            resolved = (None if (mitigated is None or rng.random() < 0.05)
                        else mitigated + int(res_med[sev] * HOUR * np.exp(rng.normal(0, 0.6))))
            rc = self.rc_list[rng.integers(len(self.rc_list))] if rng.random() < 0.68 else None
            offset = rng.random() < OFFSET_TIMESTAMP_SHARE

            def row(status: str) -> dict[str, str | None]:
                return {
                    "escalation_id": eid, "created_at": self.fmt.ts1(created, offset), "source": source,
                    "severity": sev, "queue_code": queue, "request_id": request, "status": status,
                    "resolved_at": self.fmt.ts1(resolved, offset) if status == "resolved" else None,
                    "mitigated_at": self.fmt.ts1(mitigated, offset) if status != "open" else None,
                    "root_cause_code": rc if status != "open" else None,
                }

            versions = [(created, row("open"))]
            if mitigated is not None:
                versions.append((mitigated, row("mitigated")))
            if resolved is not None:
                versions.append((resolved, row("resolved")))
            self.drops.versions("escalations", versions)
            if (sev == "sev1" and rng.random() < 0.9) or (sev == "sev2" and rng.random() < 0.5):
                self._rca("escalation", eid, created + int(rng.uniform(1, 4) * DAY), queue,
                          rc or self.rc_list[rng.integers(len(self.rc_list))])

    _ACTIONS_BY_CATEGORY = {
        "PPL": ("Targeted coaching for the moderators involved", "Refresher training, with a quiz, for the queue"),
        "PRC": ("SOP rewritten with a decision tree", "Routing rule fixed, handoff checklist added"),
        "POL": ("Policy guidance updated, examples added", "Refresher training on the revised policy, then re-audit"),
        "TLG": ("Tool fix shipped, classifier threshold reviewed", "UI change: context panel always visible"),
        "DAT": ("Conversation context attached to review items", "Language routing for the market fixed"),
    }
    _OWNER_BY_CATEGORY = {"PPL": "training", "PRC": "qa_ops", "POL": "policy", "TLG": "tooling", "DAT": "data_platform"}

    def _rca(self, subject_type: str, subject_id: str, opened: int, queue: str | None, root_cause: str) -> None:
        if opened > self.end_sec:
            return
        rng = self.rng["rca"]
        self.n_rca += 1
        rid = id_of("RCA-", self.n_rca, 5)
        cat = root_cause.split("-")[0]
        in_spike = 0 <= opened - int(HT01_CHANGE_AT.timestamp()) < HT01_SPIKE_MAX_DAYS * DAY
        if root_cause == POLICY_CHANGE_ROOT_CAUSE and in_spike:
            action = f"{HT01_REFRESHER_COURSE} refresher on {HT01_POLICY} {HT01_VERSION} for hate and comments queues"
        else:
            acts = self._ACTIONS_BY_CATEGORY[cat]
            action = acts[rng.integers(len(acts))]
        owner = "lert" if subject_type == "le_request" else self._OWNER_BY_CATEGORY[cat]
        planned = None if rng.random() < 0.1 else opened + int(rng.uniform(2, 10) * DAY)
        closed = None if planned is None or rng.random() < 0.15 else planned + int(rng.uniform(5, 30) * DAY)

        def row(status: str) -> dict[str, str | None]:
            return {"rca_id": rid, "opened_at": self.fmt.ts1(opened),
                    "closed_at": self.fmt.ts1(closed) if status == "closed" else None,
                    "subject_type": subject_type, "subject_id": subject_id, "queue_code": queue,
                    "root_cause_code": root_cause, "corrective_action": action,
                    "owner_team": owner, "status": status}

        versions = [(opened, row("open"))]
        if planned is not None:
            versions.append((planned, row("action_planned")))
        if closed is not None:
            versions.append((closed, row("closed")))
        self.drops.versions("rca_cases", versions)
