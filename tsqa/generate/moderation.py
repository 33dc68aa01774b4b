"""Moderation in the simulated world: each day's decisions (the right answer, the
moderator's answer, the planted effects), their audits (the random probability sample and
the triggered ones), auditor notes, disputes and the corrections they cause.

``ModerationMixin`` is part of ``World`` (world.py); what it produces goes to the drop
writer (``self.drops``), which decides how and when it lands.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tsqa.generate.formats import id_of, ids_of, lookup
from tsqa.generate.params import (
    A_AGE,
    A_APPROVE,
    A_ESCALATE,
    A_REMOVE,
    A_RESTRICT,
    ACTIONS,
    APPEAL_RATE,
    AUDIT_DELAY_HOURS,
    CONTENT_TYPES,
    DAY,
    DISPUTE_OUTCOME_P,
    DISPUTE_RATE,
    DOW_FACTOR,
    ENFORCE_ACTIONS,
    ESCALATION_AUDIT_RATE,
    EXP01_ID,
    EXP01_TREATMENT_ERROR_MULTIPLIER,
    EXP02_ID,
    EXPERIMENT_TARGETED_RATE,
    FAKE_EMAILS,
    HIGH_HARM_TARGETED_RATE,
    HOUR,
    HT01_SPIKE_EXTRA_ERROR,
    HT01_SPIKE_MAX_DAYS,
    HT01_SPIKE_OVERENFORCE,
    NEW_HIRE_DAYS,
    NEW_HIRE_ERROR_FACTOR,
    NEW_HIRE_TARGETED_RATE,
    NOTES_CORRECTION_RATE,
    POLICY_CHANGE_ROOT_CAUSE,
    POLICY_WATCH_AUDIT_RATE,
    QUEUE_POLICIES,
    R_AUDITOR,
    R_MOD,
    ROOT_CAUSE_AT_FIRST,
    ROOT_CAUSE_LATER,
    SECOND_DISPUTE_RATE,
    VOLUME_TREND,
)
from tsqa.generate.sampling import classify, pick_index


def replace_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    """The table with column ``name`` replaced (a corrected re-send of some records)."""
    return table.set_column(table.schema.get_field_index(name), name, values)


class ModerationMixin:
    """Decisions, audits, notes and disputes, one day at a time."""

    def _decisions_day(self, day: int) -> None:
        rng = self.rng["dec"]
        R = self.roster
        weekday = (self.start + timedelta(days=day)).weekday()
        lam = self.dec_per_day * DOW_FACTOR[weekday] * (1 + VOLUME_TREND * day / max(1, self.n_days - 1))
        lam *= float(np.exp(rng.normal(0, 0.05)))
        n = int(rng.poisson(lam))
        act_mask = R.active(day) & (R.role == R_MOD)
        all_mods = np.flatnonzero(act_mask)
        if n == 0 or all_mods.size == 0:
            return
        qcounts = rng.multinomial(n, self.q_mix)
        mods, qs = [], []
        for q, c in enumerate(qcounts):
            if c == 0:
                continue
            cand = np.flatnonzero(act_mask & R.skills[:, q])
            if cand.size == 0:
                cand = all_mods
            w = R.productivity[cand]
            mods.append(cand[rng.choice(cand.size, size=c, p=w / w.sum())])
            qs.append(np.full(c, q, dtype=np.int64))
        mod = np.concatenate(mods)
        queue = np.concatenate(qs)
        site = R.site[mod]
        vendor = R.vendor[mod]
        local = 7 * HOUR + (rng.beta(1.6, 1.6, n) * 16 * HOUR).astype(np.int64)
        sod = (local - self.site_offset[site] * HOUR) % DAY
        order = np.argsort(sod, kind="stable")
        mod, queue, site, vendor, sod = mod[order], queue[order], site[order], vendor[order], sod[order]
        decided = self.fmt.epoch0 + day * DAY + sod

        # The right answer.
        regime = np.zeros(n, dtype=np.int64)  # per-day regime: the `new` policies exist or not
        if all(day >= d for d in self.new_policy_day.values()):
            regime[:] = 1
        flat = regime * len(self.Q) + queue
        k = pick_index(rng, self.out_cum.reshape(-1, self.out_cum.shape[-1]), flat)
        ref_act = self.out_act.reshape(-1, self.out_act.shape[-1])[flat, k].astype(np.int64)
        ref_pol = self.out_pol.reshape(-1, self.out_pol.shape[-1])[flat, k].astype(np.int64)

        # Error probability: site, queue, person, tenure, EXP-01; plus the HT-01 spike.
        base = (1 - self.site_acc[site]) * self.q_err[queue] * R.skill_factor[mod]
        base = base * np.where(day - R.hired_day[mod] < NEW_HIRE_DAYS, NEW_HIRE_ERROR_FACTOR, 1.0)
        e1, e2 = self.exp_days[EXP01_ID]
        e3, e4 = self.exp_days[EXP02_ID]
        exp_unit = ((R.exp01[mod] >= 0) & (e1 <= day <= e2)) | ((R.exp02[mod] >= 0) & (e3 <= day <= e4))
        if self.exp01_treat >= 0 and e1 <= day <= e2:
            base = np.where(R.exp01[mod] == self.exp01_treat, base * EXP01_TREATMENT_ERROR_MULTIPLIER, base)
        extra = np.zeros(n)
        spike_on = (self.ht_day <= day < self.ht_day + HT01_SPIKE_MAX_DAYS) & (day < R.ht_trained_day[mod])
        extra[spike_on & (ref_pol == self.ht)] = HT01_SPIKE_EXTRA_ERROR
        extra[spike_on & (ref_act == A_APPROVE) & self.spike_q[queue]] = HT01_SPIKE_OVERENFORCE
        u = rng.random(n)
        err = u < base + extra
        spike_err = err & (u >= base)

        mod_act = ref_act.copy()
        mod_pol = ref_pol.copy()
        r = rng.random(n)
        pol_idx = self.pol_idx.reshape(-1, self.pol_idx.shape[-1])
        rpol = pol_idx[flat, pick_index(rng, self.pol_cum.reshape(-1, self.pol_cum.shape[-1]), flat)].astype(np.int64)
        rpol = np.where(spike_err & (ref_act == A_APPROVE), self.ht, rpol)
        ract = np.array(ENFORCE_ACTIONS)[pick_index(rng, self.act_cum, rpol)]
        # Reference approve: over-enforce (mostly) or escalate.
        m = err & (ref_act == A_APPROVE)
        over = m & ((r < 0.88) | spike_err)
        mod_act[over], mod_pol[over] = ract[over], rpol[over]
        esc = m & ~over
        mod_act[esc], mod_pol[esc] = A_ESCALATE, rpol[esc]
        # Reference enforces: under-enforce, wrong policy or wrong action.
        m = err & (ref_act != A_APPROVE) & (ref_act != A_ESCALATE)
        p_under, p_wp = np.where(spike_err, 0.45, 0.40), np.where(spike_err, 0.40, 0.35)
        under = m & (r < p_under)
        mod_act[under], mod_pol[under] = A_APPROVE, -1
        wp = m & ~under & (r < p_under + p_wp)
        alt = rpol.copy()
        same = alt == ref_pol
        if same.any():  # take the next policy of the queue instead
            kp = pol_idx[flat[same]]
            pos = (kp == ref_pol[same][:, None]).argmax(axis=1)
            npq = np.array([len(QUEUE_POLICIES[self.Q[q]]) for q in queue[same]])
            alt[same] = kp[np.arange(same.sum()), (pos + 1) % npq]
        wp &= alt != ref_pol
        mod_pol[wp] = alt[wp]
        wa = m & ~under & ~wp
        choices = np.array([[A_RESTRICT, A_AGE, A_ESCALATE], [A_REMOVE, A_AGE, A_ESCALATE], [A_REMOVE, A_RESTRICT, A_ESCALATE]])
        pick = np.minimum((rng.random(n) * 3).astype(np.int64), 2)
        mod_act[wa] = choices[ref_act[wa] - 1, pick[wa]]
        # Reference escalates: the moderator actioned it (or approved it).
        m = err & (ref_act == A_ESCALATE)
        mod_act[m] = np.where(r[m] < 0.7, A_REMOVE, A_APPROVE)
        mod_pol[m & (mod_act == A_APPROVE)] = -1
        etype = classify(mod_act, mod_pol, ref_act, ref_pol)

        # Handle time, market, content type, ids.
        e2a, e2b = self.exp_days[EXP02_ID]
        # exp02 is -1 for non-units: the last entry of exp02_handle (1.0).
        hmult = self.exp02_handle[R.exp02[mod]] if e2a <= day <= e2b else np.ones(n)
        med = self.vendor_handle[vendor] * self.q_handle[queue] * hmult * np.where(mod_act == A_ESCALATE, 1.5, 1.0)
        handle = np.maximum(1, np.round(med * np.exp(rng.normal(0, 0.55, n)))).astype(np.int64)
        market = R.market[mod].copy()
        other = rng.random(n) < 0.10  # content from another market the site serves
        pick_m = (rng.random(n) * self.site_n_markets[site]).astype(np.int64)
        market = np.where(other, self.site_market_arr[site, pick_m], market)
        ctype = np.where(rng.random(n) < 0.88, self.q_surface[queue], rng.integers(0, len(CONTENT_TYPES), n))
        dec_no = self.n_decisions + 1 + np.arange(n, dtype=np.int64)
        self.n_decisions += n
        user_idx = (self.n_users * rng.random(n) ** 3).astype(np.int64)
        user_num = (user_idx * 2_654_435_761 + 97_531) % 10**12
        content_num = (dec_no * 3_787_878_787 + 1_234_567) % 10**13
        dec_ids = ids_of("D", dec_no, 8)
        user_ids = ids_of("U", user_num, 12)
        if self.drops.wants_truth:
            at_stake = np.where(ref_pol >= 0, ref_pol, mod_pol)
            critical = (etype > 0) & (at_stake >= 0) & (self.tier[np.maximum(at_stake, 0)] == 1)
            self.drops.add_truth(pa.table({"decision_id": dec_ids, "is_correct": pa.array(etype == 0),
                                           "is_critical_error": pa.array(critical)}))
        prefix = self.fmt.day_str(day) + "T"
        table = pa.table({
            "decision_id": dec_ids,
            "content_id": ids_of("C", content_num, 13),
            "user_id": user_ids,
            "queue_code": self.Q_pa.take(pa.array(queue)),
            "moderator_id": self.ids_pa.take(pa.array(mod)),
            "action": self.A_pa.take(pa.array(mod_act)),
            "policy_code": lookup(self.P_pa, mod_pol),
            "content_type": self.ct_pa.take(pa.array(ctype)),
            "market": self.market_pa.take(pa.array(market)),
            "decided_at": pc.binary_join_element_wise(prefix, self.fmt.tod_z.take(pa.array(sod)), ""),
            "handle_time_s": pc.cast(pa.array(handle), pa.string()),
        })
        self.drops.add_table("moderation_decisions", day, table)

        self._audits(day, decided, dec_ids, user_ids, queue, mod, vendor, mod_act, mod_pol, ref_act, ref_pol,
                     etype, spike_err, exp_unit)

    def _audits(self, day: int, decided: np.ndarray, dec_ids: pa.Array, user_ids: pa.Array, queue: np.ndarray,
                mod: np.ndarray, vendor: np.ndarray, mod_act: np.ndarray, mod_pol: np.ndarray,
                ref_act: np.ndarray, ref_pol: np.ndarray, etype: np.ndarray, spike_err: np.ndarray,
                exp_unit: np.ndarray) -> None:
        rng = self.rng["audit"]
        R = self.roster
        n = len(decided)
        rand = self.rng["sample"].random(n) < self.q_random[queue]
        t_rate = HIGH_HARM_TARGETED_RATE * self.q_high[queue]
        t_rate = t_rate + NEW_HIRE_TARGETED_RATE * (day - R.hired_day[mod] < NEW_HIRE_DAYS)
        t_rate = t_rate + EXPERIMENT_TARGETED_RATE * exp_unit
        for d0, d1, pol, qs in self.watch:
            if d0 <= day < d1:
                t_rate = t_rate + POLICY_WATCH_AUDIT_RATE * ((mod_pol == pol) | qs[queue])
        targeted = rng.random(n) < np.minimum(t_rate, 0.9)
        enforce = (mod_act >= A_REMOVE) & (mod_act <= A_AGE)
        ap_rate = np.where(etype == 0, APPEAL_RATE["correct"],
                           np.where(etype == 1, APPEAL_RATE["over_enforcement"], APPEAL_RATE["other_error"]))
        appeal = enforce & (rng.random(n) < ap_rate)
        escal = (mod_act == A_ESCALATE) & (rng.random(n) < ESCALATION_AUDIT_RATE)
        # At most one triggered audit per decision; the random one is drawn on its own.
        triggered = np.select([escal, appeal, targeted], [3, 2, 1], default=-1)
        dec_idx = np.concatenate([np.flatnonzero(rand), np.flatnonzero(triggered >= 0)])
        src = np.concatenate([np.zeros(int(rand.sum()), dtype=np.int64), triggered[triggered >= 0]])
        order = np.argsort(dec_idx, kind="stable")
        dec_idx, src = dec_idx[order], src[order]
        spread = (AUDIT_DELAY_HOURS[1] - AUDIT_DELAY_HOURS[0]) * HOUR
        delay = AUDIT_DELAY_HOURS[0] * HOUR + (rng.beta(1.2, 2.8, dec_idx.size) * spread).astype(np.int64)
        delay = np.where(src == 2, np.maximum(delay, 24 * HOUR), delay)
        audited = decided[dec_idx] + delay
        keep = audited <= self.end_sec
        sel, src_sel, a_sec = dec_idx[keep], src[keep], audited[keep]
        if sel.size == 0:
            return
        u_rc = rng.random(sel.size)
        auditors = np.flatnonzero(R.active(day) & (R.role == R_AUDITOR))
        m = sel.size
        a_no = self.n_audits + 1 + np.arange(m, dtype=np.int64)
        self.n_audits += m
        audit_ids = ids_of("A", a_no, 8)
        et = etype[sel]
        # Root cause: sampled per error type (spike errors: mostly POL-CHNG).
        rc = np.full(m, -1, dtype=np.int64)
        for t, (codes, w) in self.root_mix.items():
            idx = np.flatnonzero(et == t)
            if idx.size:
                rc[idx] = codes[rng.choice(len(codes), size=idx.size, p=w / w.sum())]
        sp = np.flatnonzero(spike_err[sel])
        if sp.size:
            codes, w = self.spike_mix
            rc[sp] = codes[rng.choice(len(codes), size=sp.size, p=w / w.sum())]
        # 0 no root cause, 1 in the first drop, 2 filled in by a later correction.
        u = u_rc
        rc_state = np.where(et == 0, 0, np.where(u < ROOT_CAUSE_AT_FIRST, 1,
                                                 np.where(u < ROOT_CAUSE_AT_FIRST + ROOT_CAUSE_LATER, 2, 0)))
        rc_first = np.where(rc_state == 1, rc, -1)
        notes = self._notes(et, user_ids.take(pa.array(sel)), ref_pol[sel])
        cols = {
            "audit_id": audit_ids,
            "decision_id": dec_ids.take(pa.array(sel)),
            "auditor_id": self.ids_pa.take(pa.array(auditors[rng.integers(0, auditors.size, m)])),
            "audit_source": self.src_pa.take(pa.array(src_sel)),
            "audited_at": self.fmt.ts(a_sec),
            "qa_action": self.A_pa.take(pa.array(ref_act[sel])),
            "qa_policy_code": lookup(self.P_pa, ref_pol[sel]),
            "root_cause_code": lookup(self.rc_pa, rc_first),
            "auditor_notes": notes,
        }
        table = pa.table(cols)
        a_day = (a_sec - self.fmt.epoch0) // DAY
        self.drops.schedule("qa_audits", table, a_day)

        # Disputes (on incorrect audits) decide which audits get other corrections.
        disputed = self._disputes(table, a_sec, et, vendor[sel], mod_act[sel], mod_pol[sel], ref_act[sel], ref_pol[sel], a_day)
        # Corrections re-sent later in a second drop: root cause filled in, or notes amended.
        later = np.flatnonzero((rc_state == 2) & ~disputed)
        if later.size:
            c_day = a_day[later] + rng.integers(2, 7, later.size)
            ok = c_day < self.n_days
            later, c_day = later[ok], c_day[ok]
            fixed = replace_column(table.take(pa.array(later)), "root_cause_code", lookup(self.rc_pa, rc[later]))
            self.drops.schedule("qa_audits", fixed, c_day, second=True)
        amend = np.flatnonzero((rng.random(m) < NOTES_CORRECTION_RATE) & ~disputed & (rc_state != 2))
        if amend.size:
            c_day = a_day[amend] + rng.integers(2, 10, amend.size)
            ok = c_day < self.n_days
            amend, c_day = amend[ok], c_day[ok]
            sub = table.take(pa.array(amend))
            new_notes = pc.binary_join_element_wise(pc.fill_null(sub["auditor_notes"], "Reviewed."),
                                                    " (amended after QA lead review)", "")
            self.drops.schedule("qa_audits", replace_column(sub, "auditor_notes", new_notes), c_day, second=True)
        # Root-cause investigations on some critical errors and on the spike.
        pol_at_stake = np.where(ref_pol[sel] >= 0, ref_pol[sel], mod_pol[sel])
        crit = (et > 0) & (pol_at_stake >= 0) & (self.tier[np.maximum(pol_at_stake, 0)] == 1)
        spike_rc = (rc == self.rc_list.index(POLICY_CHANGE_ROOT_CAUSE)) & spike_err[sel] & (rc_state == 1)
        want = (crit & (rng.random(m) < 0.06)) | (spike_rc & (rng.random(m) < 0.05))
        if not self.spike_rca_planted and spike_rc.any() and day >= self.ht_day + 3:
            want[np.flatnonzero(spike_rc)[0]] = True
            self.spike_rca_planted = True
        for j in np.flatnonzero(want):
            code = self.rc_list[rc[j]] if rc[j] >= 0 else "PPL-KNOW"
            opened = int(a_sec[j]) + int(rng.integers(DAY, 5 * DAY))
            self._rca("audit", cols["audit_id"][j].as_py(), opened, self.Q[queue[sel[j]]], code)

    def _notes(self, et: np.ndarray, users: pa.Array, ref_pol: np.ndarray) -> pa.Array:
        rng = self.rng["notes"]
        m = len(et)
        out = np.empty(m, dtype=object)
        for t, arr in self.notes.items():
            idx = np.flatnonzero(et == t)
            if idx.size:
                out[idx] = arr[rng.integers(0, len(arr), idx.size)]
        wp = np.flatnonzero((et == 3) & (ref_pol >= 0) & (rng.random(m) < 0.5))
        for j in wp:
            out[j] = f"Right action, wrong policy: should be {self.P[ref_pol[j]]}."
        out[rng.random(m) < 0.25] = None
        notes = pa.array(out, type=pa.string())
        pii = rng.random(m)
        with_user = pii < 0.025
        with_mail = (pii >= 0.025) & (pii < 0.035)
        if with_user.any():
            extra = pc.binary_join_element_wise("Creator ", users, " has prior strikes.", "")
            notes = pc.if_else(pa.array(with_user), pc.binary_join_element_wise(pc.fill_null(notes, ""), extra, " "), notes)
        if with_mail.any():
            mails = pa.array(np.array(FAKE_EMAILS, dtype=object)[rng.integers(0, len(FAKE_EMAILS), m)], type=pa.string())
            extra = pc.binary_join_element_wise("Vendor lead", mails, "asked for a second look.", " ")
            notes = pc.if_else(pa.array(with_mail), pc.binary_join_element_wise(pc.fill_null(notes, ""), extra, " "), notes)
        return pc.utf8_trim_whitespace(notes)

    def _disputes(self, audits: pa.Table, a_sec: np.ndarray, et: np.ndarray, vendor: np.ndarray,
                  mod_act: np.ndarray, mod_pol: np.ndarray, ref_act: np.ndarray, ref_pol: np.ndarray,
                  a_day: np.ndarray) -> np.ndarray:
        rng = self.rng["dispute"]
        m = len(et)
        disputed = np.zeros(m, dtype=bool)
        cand = np.flatnonzero((et > 0) & (rng.random(m) < DISPUTE_RATE))
        outcomes = list(DISPUTE_OUTCOME_P)
        probs = np.array(list(DISPUTE_OUTCOME_P.values()))
        for j in cand:
            raised = int(a_sec[j] + 6 * HOUR + rng.exponential(2 * DAY))
            if raised > self.end_sec:
                continue
            disputed[j] = True
            audit_id = audits["audit_id"][j].as_py()
            bpo = self.V[vendor[j]] != "inhouse"
            mod_answer = (ACTIONS[mod_act[j]], self.P[mod_pol[j]] if mod_pol[j] >= 0 else None)
            ref_answer = (ACTIONS[ref_act[j]], self.P[ref_pol[j]] if ref_pol[j] >= 0 else None)
            for attempt in range(2):
                self.n_disputes += 1
                did = id_of("DS", self.n_disputes, 6)
                outcome = outcomes[rng.choice(len(outcomes), p=probs)]
                by = "vendor" if (bpo and rng.random() < 0.6) else "moderator"
                resolved = int(raised + DAY + rng.exponential(4 * DAY))
                row = {"dispute_id": did, "audit_id": audit_id, "raised_by": by, "raised_at": self.fmt.ts1(raised),
                       "resolved_at": None, "outcome": "pending", "final_action": None, "final_policy_code": None}
                r_day = self.fmt.day_of(raised)
                final = outcome != "pending" and resolved <= self.end_sec
                f_day = self.fmt.day_of(resolved)
                if not (final and f_day == r_day):
                    self.drops.add_rows("audit_disputes", r_day, [row])
                if final:
                    ans = ref_answer if outcome == "upheld" else mod_answer
                    self.drops.add_rows("audit_disputes", f_day, [{
                        **row, "resolved_at": self.fmt.ts1(resolved), "outcome": outcome,
                        "final_action": ans[0], "final_policy_code": ans[1],
                    }])
                    if outcome == "overturned":
                        # The audit is re-sent without its root cause: the decision was right.
                        fixed = replace_column(audits.take(pa.array([j])), "root_cause_code", pa.array([None], pa.string()))
                        self.drops.schedule("qa_audits", fixed, np.array([f_day]), second=True)
                if not (final and outcome == "upheld" and rng.random() < SECOND_DISPUTE_RATE):
                    break
                raised = int(resolved + DAY + rng.integers(0, 4 * DAY))
                if raised > self.end_sec:
                    break
        return disputed
