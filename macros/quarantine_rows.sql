{#-
    quarantine_rows(entity): every row of an entity set aside at landing or staging, as
    it arrived (text; personal columns as landed: dropped or hashed), with its file,
    line and reason. (The staging view of the current rows, stg_landing__<entity>, is
    plain SQL over the same base model.)
-#}
{% macro quarantine_rows(entity) -%}
    {%- set contract = landing_contract(entity) -%}
with

base as (
    select * from {{ ref('base_landing__' ~ entity) }}
),

landed as (
    select * from {{ ref('landing__' ~ entity) }}
)

-- the row as it arrived (text, personal columns as landed: dropped or hashed)
select
    '{{ entity }}' as entity,
    base._source_file as source_file,
    base._file_format as file_format,
    base._line as line,
    base._reason as reason,
    {% for c in contract.columns if c not in contract.pii_drop -%}
    landed.{{ c }},
    {% endfor -%}
    base._raw_line as raw_line
from base
inner join landed
    on base._source_file = landed._source_file and base._line = landed._line
where base._status = 'quarantined'
{%- endmacro %}
