{#-
    quality_targets_in_effect(slices, slice_keys, slice_queue, slice_vendor, slice_month, targets):
    the quality target in effect for each slice (metrics.md, "Slices of
    mart_quality_monthly"), written once for every mart that shows targets
    (mart_quality_monthly, mart_decision_quality_monthly, mart_monthly_quality_report).

    A select with one row per row of the CTE `slices` that has a target: its
    `slice_keys` columns, then target_effective_from, accuracy_target,
    critical_error_rate_max, audit_sample_rate_target and margin_of_error_max of the
    row of the CTE `targets` (stg_raw__quality_targets) in effect. Slices without a
    matching row are absent: join it with a left join on slice_keys.

    - slice_keys: the columns that identify a row of `slices` (default month_start,
      queue_code, vendor_code); they partition the ranking.
    - slice_queue, slice_vendor: the slice's queue and vendor, expressions over `slices`
      (default its queue_code and vendor_code; "'all'" for a slice without a queue).
      `all` (a roll-up over every queue or vendor) and null match only the `*` (any)
      rows; a real code matches its own rows and the `*` rows.
    - slice_month: the column of `slices` holding its month_start; a target row applies
      from its effective_from on.
    - The row in effect is the most specific match (queue and vendor > queue only >
      vendor only > any), then the latest effective_from.
-#}
{#- The select is indented for the body of a CTE: call it on its own line, indented by 4. -#}
{% macro quality_targets_in_effect(slices, slice_keys=['month_start', 'queue_code', 'vendor_code'], slice_queue=none,
    slice_vendor=none, slice_month='month_start', targets='quality_targets') -%}
{%- set slice_queue = slice_queue or slices ~ '.queue_code' -%}
{%- set slice_vendor = slice_vendor or slices ~ '.vendor_code' -%}
select
        {%- for key in slice_keys %}
        {{ key }},
        {%- endfor %}
        target_effective_from,
        accuracy_target,
        critical_error_rate_max,
        audit_sample_rate_target,
        margin_of_error_max
    from (
    select
        {%- for key in slice_keys %}
        {{ slices }}.{{ key }},
        {%- endfor %}
        {{ targets }}.effective_from as target_effective_from,
        {{ targets }}.accuracy_target,
        {{ targets }}.critical_error_rate_max,
        {{ targets }}.audit_sample_rate as audit_sample_rate_target,
        {{ targets }}.margin_of_error_max,
        row_number() over (
            partition by {% for key in slice_keys %}{{ slices }}.{{ key }}{{ ', ' if not loop.last }}{% endfor %}
            order by
                cast({{ targets }}.queue_code != '*' as integer) * 2
                + cast({{ targets }}.vendor_code != '*' as integer) desc,
                {{ targets }}.effective_from desc
        ) as target_rank
    from {{ slices }}
    inner join {{ targets }}
        on
            (
                ({{ slice_queue }} = {{ targets }}.queue_code and {{ slice_queue }} != 'all')
                or {{ targets }}.queue_code = '*'
            )
            and (
                ({{ slice_vendor }} = {{ targets }}.vendor_code and {{ slice_vendor }} != 'all')
                or {{ targets }}.vendor_code = '*'
            )
            and {{ slices }}.{{ slice_month }} >= {{ targets }}.effective_from
    ) as targets_ranked
    where target_rank = 1
{%- endmacro %}
