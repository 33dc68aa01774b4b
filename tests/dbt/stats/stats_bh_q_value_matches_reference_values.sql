{#-
    bh_q_value (macros/stats/bh_q_value.sql) on families worked by hand (statsmodels
    multipletests(method="fdr_bh") gives the same). Family a: p = 0.01, 0.03, 0.04, 0.20
    and a null (not a test, m = 4): m p / rank = 0.04, 0.06, 0.0533, 0.20, minimum over
    the ranks from here up: 0.04, 0.0533, 0.0533, 0.20. Family b: a tie 0.02, 0.02 and
    0.5 (m = 3): 0.03, 0.03, 0.5 (the tie shares the smaller value). Family c: 0.8, 0.9:
    2 x 0.8 / 1 = 1.6 is lowered to 0.9 by the larger p. Family d: a single test keeps its
    p. Family e: only nulls. Tolerance 1e-13. Returns failing rows.
-#}
with

reference (family, p_value, expected) as (
    values
    ('a', 0.01, 0.04),
    ('a', 0.03, 0.16 / 3),
    ('a', 0.04, 0.16 / 3),
    ('a', 0.20, 0.20),
    ('a', null, null),
    ('b', 0.02, 0.03),
    ('b', 0.02, 0.03),
    ('b', 0.5, 0.5),
    ('c', 0.8, 0.9),
    ('c', 0.9, 0.9),
    ('d', 0.7, 0.7),
    ('e', null, null)
),

computed as (
    select
        *,
        {{ bh_q_value('p_value', 'family') }} as q_value
    from reference
)

select *
from computed
where
    (expected is null) != (q_value is null)
    or abs(q_value - expected) > 1e-13
