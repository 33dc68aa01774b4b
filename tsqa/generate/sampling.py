"""Sampling helpers of the simulated world, and the error type of a decision (metrics.md)."""

from __future__ import annotations

import numpy as np

from tsqa.generate.params import A_AGE, A_APPROVE, A_REMOVE


def pick_index(rng: np.random.Generator, cum: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each i, the index k of the first cum[rows[i], k] >= u_i (inverse-CDF sampling)."""
    u = rng.random(len(rows))
    return (u[:, None] > cum[rows]).sum(axis=1)


def cumulative(weights: np.ndarray) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w, axis=-1)
    c = c / c[..., -1:]
    c[..., -1] = 1.0
    return c


def largest_remainder(total: int, shares: list[float]) -> list[int]:
    raw = np.array(shares, dtype=float) / sum(shares) * total
    base = np.floor(raw).astype(int)
    rest = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base.tolist()


def classify(mod_action: np.ndarray, mod_policy: np.ndarray, ref_action: np.ndarray, ref_policy: np.ndarray) -> np.ndarray:
    """Error type per metrics.md on action/policy codes: 0 correct, 1 over, 2 under, 3 wrong_policy, 4 wrong_action."""
    me = (mod_action >= A_REMOVE) & (mod_action <= A_AGE)
    re = (ref_action >= A_REMOVE) & (ref_action <= A_AGE)
    correct = (mod_action == ref_action) & ~(me & re & (mod_policy != ref_policy))
    out = np.full(len(mod_action), 4, dtype=np.int8)
    out[me & re & (mod_policy != ref_policy)] = 3
    out[(mod_action == A_APPROVE) & re] = 2
    out[me & (ref_action == A_APPROVE)] = 1
    out[correct] = 0
    return out
