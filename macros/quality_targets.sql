{#-
    The quality target in effect for a slice (metrics.md, "Slices of mart_quality_monthly"),
    written once for every mart that shows targets:

    - quality_target_applies(slice_queue, slice_vendor, slice_month): the target row
      matches the slice's queue and vendor (`*` = any) and is effective on or before the
      slice's month_start. A slice without a queue passes "'*'" as slice_queue and so
      matches only the any-queue rows.
    - quality_target_precedence(): order the matching rows so the first is the one in
      effect: most specific (queue and vendor > queue only > vendor only > any), then the
      latest effective_from.
-#}
{% macro quality_target_applies(slice_queue, slice_vendor, slice_month, targets='quality_targets') -%}
    ({{ slice_queue }} = {{ targets }}.queue_code or {{ targets }}.queue_code = '*')
    and ({{ slice_vendor }} = {{ targets }}.vendor_code or {{ targets }}.vendor_code = '*')
    and {{ slice_month }} >= {{ targets }}.effective_from
{%- endmacro %}


{% macro quality_target_precedence(targets='quality_targets') -%}
    cast({{ targets }}.queue_code != '*' as integer) * 2 + cast({{ targets }}.vendor_code != '*' as integer) desc,
    {{ targets }}.effective_from desc
{%- endmacro %}
