{#-
    Inter-rater agreement statistics (metrics.md, "Calibration agreement"), set-based.
    Every statistic is written as one division of two exact integers (or of an exact
    numerator), so results do not depend on summation order and hand-computed values
    are reproduced to the last bit.

    kappa_statistic(agreement, chance, whole)
        A kappa (P_o - P_e) / (1 - P_e) where P_o = agreement / whole and
        P_e = chance / whole share the denominator `whole`:
        (agreement - chance) / (whole - chance). Null when P_e = 1 (chance = whole),
        where kappa is undefined. Used by Fleiss' kappa and Cohen's kappa.

    krippendorff_alpha_nominal(n, coincidence_diagonal, sum_squared_value_totals)
        Krippendorff's alpha, nominal metric, from the coincidence matrix o_ck:
          n    = pairable values (ratings on units with >= 2 ratings) = sum_ck o_ck
          n_c  = sum_k o_ck (ratings with label c on pairable units), S = sum_c n_c^2
          D_o  = sum_{c != k} o_ck = n - sum_c o_cc
          D_e  = sum_{c != k} n_c n_k / (n - 1) = (n^2 - S) / (n - 1)
          alpha = 1 - D_o / D_e = ((n - 1) sum_c o_cc - (S - n)) / (n^2 - S)
        Null when D_e = 0 (n^2 = S), i.e. fewer than two distinct labels on pairable units.

    agreement_statistics(label_counts, group_by)
        A complete select statement. label_counts is a relation (or CTE name) with one row
        per group x unit x label: the group_by columns, label, label_ratings (n_uc > 0)
        and unit_ratings (m_u, the unit's ratings over all labels). Returns one row per
        group that has at least one pairable unit (m_u >= 2), with
        A_m = sum over units of size m of sum_c n_uc(n_uc - 1) (agreeing ordered pairs):
          pairable_units (N), pairable_ratings (n), distinct_labels,
          percent_agreement   mean over pairable units of sum_c n_uc(n_uc - 1) / (m_u(m_u - 1))
                              = sum_m A_m / (m(m - 1)) / N
          fleiss_kappa        Fleiss (1971), only when every pairable unit has the same
                              size m (else null): P_bar = A / (n(m - 1)), P_e = S / n^2,
                              kappa = (A n - S(m - 1)) / ((m - 1)(n^2 - S))
          krippendorff_alpha  as above, with sum_c o_cc = sum_m A_m / (m - 1)
        Units of the same size are pooled first (integer sums), so a session of 25,000
        items is one pass over its label counts.

    cohen_kappa_statistics(pairs, group_by, label_a, label_b)
        A complete select statement. pairs has one row per group x rated item with two
        labels (label_a, label_b, both not null). Returns per group: paired_items (n),
        agreeing_items (a), cohen_kappa with P_o = a / n, P_e = sum_k a_k b_k / n^2
        (a_k, b_k the two raters' label counts): kappa_statistic(a n, sum_k a_k b_k, n^2).
-#}

{% macro kappa_statistic(agreement, chance, whole) -%}
    (case when ({{ chance }}) < ({{ whole }}) then
        cast(({{ agreement }}) - ({{ chance }}) as double) / cast(({{ whole }}) - ({{ chance }}) as double)
    end)
{%- endmacro %}


{% macro krippendorff_alpha_nominal(n, coincidence_diagonal, sum_squared_value_totals) -%}
    (case when ({{ n }}) * ({{ n }}) > ({{ sum_squared_value_totals }}) then
        ((({{ n }}) - 1) * ({{ coincidence_diagonal }}) - (({{ sum_squared_value_totals }}) - ({{ n }})))
        / cast(({{ n }}) * ({{ n }}) - ({{ sum_squared_value_totals }}) as double)
    end)
{%- endmacro %}


{% macro agreement_statistics(label_counts, group_by) -%}
    {%- set keys = group_by | join(', ') -%}
    with

    pairable_label_counts as (
        select *
        from {{ label_counts }}
        where unit_ratings >= 2
    ),

    by_unit_size as (
        -- units with the same number of ratings m pool their agreeing ordered pairs A_m
        select
            {{ keys }},
            cast(unit_ratings as bigint) as unit_size,
            cast({{ tsqa.int_div('sum(label_ratings)', 'unit_ratings') }} as bigint) as units,
            cast(sum(label_ratings * (label_ratings - 1)) as bigint) as agreeing_pairs
        from pairable_label_counts
        group by {{ keys }}, unit_ratings
    ),

    by_label as (
        select
            {{ keys }},
            label,
            cast(sum(label_ratings) as bigint) as label_ratings
        from pairable_label_counts
        group by {{ keys }}, label
    ),

    label_totals as (
        select
            {{ keys }},
            count(*) as distinct_labels,
            cast(sum(label_ratings * label_ratings) as bigint) as sum_squared_label_ratings
        from by_label
        group by {{ keys }}
    ),

    size_totals as (
        select
            {{ keys }},
            cast(sum(units) as bigint) as pairable_units,
            cast(sum(units * unit_size) as bigint) as pairable_ratings,
            count(*) as unit_sizes,
            max(unit_size) as unit_size,
            cast(sum(agreeing_pairs) as bigint) as agreeing_pairs,
            sum(cast(agreeing_pairs as double) / (unit_size * (unit_size - 1))) as sum_unit_agreement,
            sum(cast(agreeing_pairs as double) / (unit_size - 1)) as coincidence_diagonal
        from by_unit_size
        group by {{ keys }}
    )

    select
        {{ keys }},
        size_totals.pairable_units,
        size_totals.pairable_ratings,
        label_totals.distinct_labels,
        case
            when size_totals.unit_sizes = 1
                then cast(size_totals.agreeing_pairs as double)
                / (size_totals.pairable_units * size_totals.unit_size * (size_totals.unit_size - 1))
            else size_totals.sum_unit_agreement / size_totals.pairable_units
        end as percent_agreement,
        case when size_totals.unit_sizes = 1 then
            {{ kappa_statistic(
                'size_totals.agreeing_pairs * size_totals.pairable_ratings',
                'label_totals.sum_squared_label_ratings * (size_totals.unit_size - 1)',
                'size_totals.pairable_ratings * size_totals.pairable_ratings * (size_totals.unit_size - 1)'
            ) }}
        end as fleiss_kappa,
        {{ krippendorff_alpha_nominal(
            'size_totals.pairable_ratings',
            'size_totals.coincidence_diagonal',
            'label_totals.sum_squared_label_ratings'
        ) }} as krippendorff_alpha
    from size_totals
    inner join label_totals using ({{ keys }})
{%- endmacro %}


{% macro cohen_kappa_statistics(pairs, group_by, label_a, label_b) -%}
    {%- set keys = group_by | join(', ') -%}
    with

    pair_counts as (
        select
            {{ keys }},
            count(*) as paired_items,
            count(*) filter (where {{ label_a }} = {{ label_b }}) as agreeing_items
        from {{ pairs }}
        group by {{ keys }}
    ),

    margin_a as (
        select
            {{ keys }},
            {{ label_a }} as label,
            count(*) as ratings
        from {{ pairs }}
        group by {{ keys }}, {{ label_a }}
    ),

    margin_b as (
        select
            {{ keys }},
            {{ label_b }} as label,
            count(*) as ratings
        from {{ pairs }}
        group by {{ keys }}, {{ label_b }}
    ),

    chance as (
        -- sum over labels of (a's count x b's count); a label only one side uses adds 0
        select
            {{ keys }},
            cast(sum(margin_a.ratings * margin_b.ratings) as bigint) as sum_margin_products
        from margin_a
        inner join margin_b using ({{ keys }}, label)
        group by {{ keys }}
    )

    select
        {{ keys }},
        pair_counts.paired_items,
        pair_counts.agreeing_items,
        {{ kappa_statistic(
            'pair_counts.agreeing_items * pair_counts.paired_items',
            'coalesce(chance.sum_margin_products, 0)',
            'pair_counts.paired_items * pair_counts.paired_items'
        ) }} as cohen_kappa
    from pair_counts
    left join chance using ({{ keys }})
{%- endmacro %}
