{#-
    agreement_intervals(label_counts, group_by, unit_key): Gwet's AC1 with its standard
    error and the standard error of Krippendorff's alpha, for multiple raters with
    missing ratings (metrics.md, "Calibration agreement"; Gwet 2014, "Handbook of
    Inter-Rater Reliability", 4th ed., as the irrcac package computes them:
    CAC(ratings, categories=[...]).gwet() and .krippendorff(), no finite-population
    correction). A complete select statement.

    label_counts: one row per group x unit x label with the group_by columns, the unit
    column `unit_key`, label, label_ratings (r_ik > 0) and unit_ratings (r_i). Returns one
    row per group with at least one unit:

    With q = distinct labels of the group's ratings (every unit), n = units (r_i >= 1),
    n2 = units with r_i >= 2:
      gwet_items = n
      gwet_ac1   p_a = (1/n2) sum_{r_i>=2} sum_k r_ik(r_ik-1) / (r_i(r_i-1));
                 pi_k = (1/n) sum_i r_ik / r_i;  p_e = sum_k pi_k(1-pi_k) / (q-1);
                 AC1 = (p_a - p_e) / (1 - p_e). Null when n2 = 0 or q < 2.
      gwet_ac1_se  per unit a_i = (n/n2)(pa_i - p_e [r_i>=2]) / (1 - p_e), pa_i the unit's
                 term of p_a (0 when r_i < 2); e_i = sum_k r_ik(1-pi_k) / ((q-1) r_i);
                 x_i = a_i - 2(1-AC1)(e_i - p_e)/(1 - p_e);
                 se^2 = sum_i (x_i - AC1)^2 / (n(n-1)). Null when n < 2.
    Over the n' units with r_i >= 2, with r_bar = mean r_i and eps = 1 / sum r_i:
      alpha_items = n'
      krippendorff_alpha_se  pa' = (1/n') sum_i sum_k r_ik(r_ik-1) / (r_bar(r_i-1));
                 pi_k = (1/n') sum_i r_ik / r_bar;  p_e = sum_k pi_k^2;
                 alpha' = (pa' - p_e)/(1 - p_e);  pa = (1-eps) pa' + eps (alpha from pa
                 is Krippendorff's alpha, as macros/agreement.sql computes it);
                 per unit pa_i = sum_k r_ik(r_ik-1)/(r_bar(r_i-1)) - pa (r_i - r_bar)/r_bar,
                 alpha_i = (pa_i - p_e)/(1 - p_e),
                 e_i = sum_k r_ik pi_k / r_bar - p_e (r_i - r_bar)/r_bar,
                 x_i = alpha_i - 2(1-alpha')(e_i - p_e)/(1 - p_e);
                 se^2 = sum_i (x_i - alpha')^2 / (n'(n'-1)). Null when n' < 2 or p_e = 1.
      t975_gwet, t975_alpha: t(0.975, n - 1) and t(0.975, n' - 1) (macros/stats/student_t.sql),
                 for the intervals estimate -/+ t se (agreement_ci_low / agreement_ci_high).
    By hand (tests/dbt/stats/stats_agreement_intervals_match_reference_values.sql):
    two units, each rated a, a (r_i = 2): q = 1, so AC1 is null; pi_a = 1, p_e = 1, so
    the alpha se is null.
-#}
{% macro tsqa_same_keys(keys, left, right) -%}
    {%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}

{% macro agreement_intervals(label_counts, group_by, unit_key) -%}
    {%- set keys = group_by | join(', ') -%}
    with

    ai_cells as (
        select
            {{ keys }},
            {{ unit_key }} as ai_unit,
            label as ai_label,
            cast(label_ratings as double) as r_ik,
            cast(unit_ratings as double) as r_i
        from {{ label_counts }}
    ),

    -- Gwet's AC1: every unit with a rating
    ai_gwet_units as (
        select
            {{ keys }},
            ai_unit,
            max(r_i) as r_i,
            case when max(r_i) >= 2 then sum(r_ik * (r_ik - 1)) / (max(r_i) * (max(r_i) - 1)) else 0.0 end
                as pa_i
        from ai_cells
        group by {{ keys }}, ai_unit
    ),

    ai_gwet_sizes as (
        select
            {{ keys }},
            count(*) as n,
            count(*) filter (where r_i >= 2) as n2,
            sum(pa_i) filter (where r_i >= 2) / nullif(count(*) filter (where r_i >= 2), 0) as p_a
        from ai_gwet_units
        group by {{ keys }}
    ),

    ai_gwet_labels as (
        select
            ai_cells.{{ group_by | join(', ai_cells.') }},
            ai_cells.ai_label,
            sum(ai_cells.r_ik / ai_cells.r_i) / max(g.n) as pi_k
        from ai_cells
        inner join ai_gwet_sizes as g
            using ({{ keys }})
        group by ai_cells.{{ group_by | join(', ai_cells.') }}, ai_cells.ai_label
    ),

    ai_gwet_chance as (
        select
            {{ keys }},
            count(*) as q,
            case when count(*) >= 2 then sum(pi_k * (1 - pi_k)) / (count(*) - 1) end as p_e
        from ai_gwet_labels
        group by {{ keys }}
    ),

    ai_gwet as (
        select
            ai_gwet_sizes.*,
            ai_gwet_chance.q,
            ai_gwet_chance.p_e,
            case when ai_gwet_sizes.n2 > 0 and ai_gwet_chance.q >= 2 then
                (ai_gwet_sizes.p_a - ai_gwet_chance.p_e) / (1 - ai_gwet_chance.p_e)
            end as ac1
        from ai_gwet_sizes
        inner join ai_gwet_chance using ({{ keys }})
    ),

    ai_gwet_unit_chance as (
        select
            ai_cells.{{ group_by | join(', ai_cells.') }},
            ai_cells.ai_unit,
            sum(ai_cells.r_ik * (1 - l.pi_k)) / ((max(g.q) - 1) * max(ai_cells.r_i)) as e_i
        from ai_cells
        inner join ai_gwet_labels as l
            using ({{ keys }}, ai_label)
        inner join ai_gwet as g
            using ({{ keys }})
        where g.q >= 2
        group by ai_cells.{{ group_by | join(', ai_cells.') }}, ai_cells.ai_unit
    ),

    ai_gwet_terms as (
        -- (x_i - AC1)^2 per unit
        select
            u.{{ group_by | join(', u.') }},
            pow(
                (g.n * 1.0 / g.n2) * (u.pa_i - g.p_e * (case when u.r_i >= 2 then 1 else 0 end)) / (1 - g.p_e)
                - 2 * (1 - g.ac1) * (c.e_i - g.p_e) / (1 - g.p_e)
                - g.ac1,
                2
            ) as squared_deviation
        from ai_gwet_units as u
        inner join ai_gwet_unit_chance as c
            on {{ tsqa_same_keys(group_by, 'u', 'c') }} and u.ai_unit = c.ai_unit
        inner join ai_gwet as g
            on {{ tsqa_same_keys(group_by, 'u', 'g') }}
        where g.ac1 is not null
    ),

    -- Krippendorff's alpha: units with r_i >= 2
    ai_alpha_units as (
        select
            {{ keys }},
            ai_unit,
            max(r_i) as r_i,
            sum(r_ik * (r_ik - 1)) as agreeing_pairs
        from ai_cells
        where r_i >= 2
        group by {{ keys }}, ai_unit
    ),

    ai_alpha_sizes as (
        select
            {{ keys }},
            count(*) as n,
            avg(r_i) as r_bar,
            1.0 / sum(r_i) as eps
        from ai_alpha_units
        group by {{ keys }}
    ),

    ai_alpha_agreement as (
        select
            u.{{ group_by | join(', u.') }},
            sum(u.agreeing_pairs / (g.r_bar * (u.r_i - 1))) / max(g.n) as pa_prime
        from ai_alpha_units as u
        inner join ai_alpha_sizes as g
            on {{ tsqa_same_keys(group_by, 'u', 'g') }}
        group by u.{{ group_by | join(', u.') }}
    ),

    ai_alpha_labels as (
        select
            ai_cells.{{ group_by | join(', ai_cells.') }},
            ai_cells.ai_label,
            sum(ai_cells.r_ik) / (max(g.n) * max(g.r_bar)) as pi_k
        from ai_cells
        inner join ai_alpha_sizes as g
            using ({{ keys }})
        where ai_cells.r_i >= 2
        group by ai_cells.{{ group_by | join(', ai_cells.') }}, ai_cells.ai_label
    ),

    ai_alpha as (
        select
            s.*,
            a.pa_prime,
            (1 - s.eps) * a.pa_prime + s.eps as pa,
            c.p_e,
            case when c.p_e < 1 then (a.pa_prime - c.p_e) / (1 - c.p_e) end as alpha_prime
        from ai_alpha_sizes as s
        inner join ai_alpha_agreement as a using ({{ keys }})
        inner join (
            select
                {{ keys }},
                sum(pi_k * pi_k) as p_e
            from ai_alpha_labels
            group by {{ keys }}
        ) as c using ({{ keys }})
    ),

    ai_alpha_unit_chance as (
        select
            ai_cells.{{ group_by | join(', ai_cells.') }},
            ai_cells.ai_unit,
            sum(ai_cells.r_ik * l.pi_k) as weighted_pi
        from ai_cells
        inner join ai_alpha_labels as l
            using ({{ keys }}, ai_label)
        where ai_cells.r_i >= 2
        group by ai_cells.{{ group_by | join(', ai_cells.') }}, ai_cells.ai_unit
    ),

    ai_alpha_terms as (
        -- (x_i - alpha')^2 per unit
        select
            u.{{ group_by | join(', u.') }},
            pow(
                (
                    u.agreeing_pairs / (g.r_bar * (u.r_i - 1)) - g.pa * (u.r_i - g.r_bar) / g.r_bar - g.p_e
                ) / (1 - g.p_e)
                - 2 * (1 - g.alpha_prime)
                * (c.weighted_pi / g.r_bar - g.p_e * (u.r_i - g.r_bar) / g.r_bar - g.p_e) / (1 - g.p_e)
                - g.alpha_prime,
                2
            ) as squared_deviation
        from ai_alpha_units as u
        inner join ai_alpha_unit_chance as c
            on {{ tsqa_same_keys(group_by, 'u', 'c') }} and u.ai_unit = c.ai_unit
        inner join ai_alpha as g
            on {{ tsqa_same_keys(group_by, 'u', 'g') }}
        where g.alpha_prime is not null
    ),

    ai_alpha_total as (
        select
            {{ keys }},
            sum(squared_deviation) as sum_squares
        from ai_alpha_terms
        group by {{ keys }}
    ),

    ai_gwet_total as (
        select
            {{ keys }},
            sum(squared_deviation) as sum_squares
        from ai_gwet_terms
        group by {{ keys }}
    )

    select
        g.{{ group_by | join(', g.') }},
        g.n as gwet_items,
        g.q as distinct_labels_all_items,
        g.ac1 as gwet_ac1,
        case when g.n >= 2 and g.ac1 is not null then sqrt(gt.sum_squares / (g.n * (g.n - 1.0))) end
            as gwet_ac1_se,
        case when g.n >= 2 then {{ student_t_quantile('0.975', 'g.n - 1') }} end as t975_gwet,
        coalesce(a.n, 0) as alpha_items,
        case when a.n >= 2 and a.alpha_prime is not null then sqrt(av.sum_squares / (a.n * (a.n - 1.0))) end
            as krippendorff_alpha_se,
        case when a.n >= 2 then {{ student_t_quantile('0.975', 'a.n - 1') }} end as t975_alpha
    from ai_gwet as g
    left join ai_gwet_total as gt
        on {{ tsqa_same_keys(group_by, 'gt', 'g') }}
    left join ai_alpha as a
        on {{ tsqa_same_keys(group_by, 'a', 'g') }}
    left join ai_alpha_total as av
        on {{ tsqa_same_keys(group_by, 'av', 'g') }}
{%- endmacro %}

{#- agreement_ci_low(estimate, se, t) / agreement_ci_high: estimate -/+ t se, the upper
    bound capped at 1 (metrics.md); null when any part is null. -#}
{% macro agreement_ci_low(estimate, se, t) -%}
    (({{ estimate }}) - ({{ t }}) * ({{ se }}))
{%- endmacro %}

{% macro agreement_ci_high(estimate, se, t) -%}
    (case when ({{ estimate }}) is not null and ({{ se }}) is not null and ({{ t }}) is not null then
        least(1.0, ({{ estimate }}) + ({{ t }}) * ({{ se }}))
    end)
{%- endmacro %}
