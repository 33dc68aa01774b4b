{#-
    The views over an entity's base rows (see staging_rows):
      staging_current  the current version of every valid record, typed, contract columns
                       only (free-text and dropped personal columns never get here), plus
                       the file it came from
      quarantine_rows  every row set aside, with its raw text, file, line and reason
-#}
{% macro staging_current(entity) -%}
    {%- set contract = raw_contract()[entity] -%}
    {%- set hidden = contract["pii_drop"] + contract.get("free_text", []) -%}
with

base as (
    select * from {{ ref('base_landing__' ~ entity) }}
)

select
    {% for c in contract["columns"] if c not in hidden -%}
    {{ "user_id as user_key" if c == "user_id" else c }},
    {% endfor -%}
    _source_file as source_file
from base
where _status = 'current'
{%- endmacro %}


{% macro quarantine_rows(entity) -%}
    {%- set contract = raw_contract()[entity] -%}
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
    {% for c in contract["columns"] if c not in contract["pii_drop"] -%}
    landed.{{ c }},
    {% endfor -%}
    base._raw_line as raw_line
from base
inner join landed
    on base._source_file = landed._source_file and base._line = landed._line
where base._status = 'quarantined'
{%- endmacro %}
