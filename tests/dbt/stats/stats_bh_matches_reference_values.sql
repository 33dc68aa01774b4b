{#-
    bh_q_values (macros/stats/bh.sql) against Benjamini-Hochberg q-values worked by
    hand (statsmodels multipletests(p, method="fdr_bh")[1] gives the same):
      family f1: p = 0.01, 0.04, 0.03, null (m = 3): sorted 0.01, 0.03, 0.04 ->
        q = min(3 x 0.04 / 3, ...) = 0.04, min(3 x 0.03 / 2, 0.04) = 0.04,
        min(3 x 0.01 / 1, 0.04) = 0.03; the null row keeps a null q.
      family f2: p = 0.5, 0.5 (a tie): 2 x 0.5 / 2 = 0.5 for both.
      family f3: p = 0.9, 0.2 (m = 2): 0.9 -> 2 x 0.9 / 2 = 0.9; 0.2 -> min(2 x 0.2 / 1, 0.9) = 0.4.
      family f4: p = 0.8 alone: q = 0.8; family f5: p = 0.7, 0.6, 0.65: 3 x 0.6 = 1.8
        capped at 1 -> all 0.7 (3 x 0.7/3, 3 x 0.65/2 = 0.975, min -> 0.7).
      family a: p = 0.01, 0.03, 0.04, 0.20 and a null (m = 4): m p / rank = 0.04, 0.06,
        0.0533, 0.20, minimum over the ranks from here up: 0.04, 0.0533, 0.0533, 0.20.
      family b: a tie 0.02, 0.02 and 0.5 (m = 3): 0.03, 0.03, 0.5.
      family c: 0.8, 0.9: 2 x 0.8 / 1 = 1.6 is lowered to 0.9 by the larger p.
      family e: only nulls (no test): null q.
    Tolerance 1e-15 (1e-13 where the expected value is a fraction like 0.16 / 3). Returns
    failing rows.
-#}
with

reference (family, p_value, expected_q) as (
    values
    ('f1', 0.01, 0.03),
    ('f1', 0.04, 0.04),
    ('f1', 0.03, 0.04),
    ('f1', null, null),
    ('f2', 0.5, 0.5),
    ('f2', 0.5, 0.5),
    ('f3', 0.9, 0.9),
    ('f3', 0.2, 0.4),
    ('f4', 0.8, 0.8),
    ('f5', 0.7, 0.7),
    ('f5', 0.6, 0.7),
    ('f5', 0.65, 0.7),
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
    ('e', null, null)
),

typed as (
    select
        family,
        cast(p_value as double) as p_value,
        cast(expected_q as double) as expected_q
    from reference
),

adjusted as (
    {{ bh_q_values('typed', 'p_value', ['family']) }}
)

select *
from adjusted
where
    (q_value is null) != (expected_q is null)
    or abs(q_value - expected_q) > 1e-13
union all
select
    family,
    p_value,
    expected_q,
    q_value
from ({{ bh_q_values('typed', 'p_value') }}) as one_family
where
    -- one family of all 20 non-null p-values: the two smallest, 0.01 and 0.01, get the
    -- minimum over ranks j >= 1 of 20 p_(j) / j = 20 x 0.01 / 2 = 0.1 (ranks 4, 6, 8 tie it)
    p_value = 0.01 and abs(q_value - 0.1) > 1e-13
