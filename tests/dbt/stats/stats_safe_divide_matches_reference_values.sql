{#-
    safe_divide (macros/stats/safe_divide.sql): a double quotient, null when the
    denominator is 0 or null (a rate with no base is not defined, never 0).
    Returns failing rows.
-#}
with

reference (numerator, denominator, quotient) as (
    values
    (3, 4, 0.75),
    (0, 5, 0.0),
    (1, 3, 0.3333333333333333),
    (2, 0, null),
    (0, 0, null),
    (1, null, null)
),

computed as (
    select
        *,
        {{ safe_divide('numerator', 'denominator') }} as computed_quotient
    from reference
)

select *
from computed
where
    (quotient is null) != (computed_quotient is null)
    or computed_quotient != quotient
