{#-
    Where the landing, staging and quarantine layers differ between engines, one macro
    per difference (issue 17), each dispatched with `adapter.dispatch(name, 'tsqa')` to a
    `duckdb__` and a `spark__` version. Everything else in those layers is written once.

    Spark notes: dbt-spark turns ANSI mode off (a bad cast is NULL there, an error on
    DuckDB), so every conversion of landed text goes through `try_cast` behind a pattern
    check (macro tsqa_typed) and gives the same NULL on both engines; the Python functions
    (`tsqa_pseudonymise`, `tsqa_landing_listing`, `tsqa_file_facts`, `tsqa_last_line_cut`)
    are registered on the Spark session by `tsqa spark-build` (tsqa/spark.py) before dbt
    runs, as the tsqa dbt plugin registers them on DuckDB.
-#}

{#- A text literal. Spark reads backslash escapes in a literal; DuckDB does not. -#}
{% macro tsqa_literal(text) -%}
    {{- adapter.dispatch('tsqa_literal', 'tsqa')(text) -}}
{%- endmacro %}

{% macro duckdb__tsqa_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__tsqa_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}


{#- The text type, for a typed NULL. -#}
{% macro tsqa_text() -%}
    {{- adapter.dispatch('tsqa_text', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_text() -%}varchar{%- endmacro %}

{% macro spark__tsqa_text() -%}string{%- endmacro %}


{#- The keyed hash of an identifier (pseudonymisation). The key is never in SQL text:
    DuckDB reads the session variable the tsqa dbt plugin sets (tsqa/dbt_plugin.py);
    Spark calls the Python function tsqa/spark.py registers, which reads TSQA_PII_SALT
    itself. Both give the first 32 hex digits of SHA-256(key || '|' || value). -#}
{% macro pseudonymise(column) -%}
    {{- adapter.dispatch('pseudonymise', 'tsqa')(column) -}}
{%- endmacro %}

{% macro duckdb__pseudonymise(column) -%}
    case when {{ column }} is not null
        then left(sha256(getvariable('tsqa_pii_salt') || '|' || {{ column }}), 32)
    end
{%- endmacro %}

{% macro spark__pseudonymise(column) -%}
    case when {{ column }} is not null then tsqa_pseudonymise({{ column }}) end
{%- endmacro %}


{#- A row's fingerprint (exact duplicates compare it for equality only). -#}
{% macro tsqa_fingerprint(text) -%}
    {{- adapter.dispatch('tsqa_fingerprint', 'tsqa')(text) -}}
{%- endmacro %}

{% macro duckdb__tsqa_fingerprint(text) -%}md5_number({{ text }}){%- endmacro %}

{% macro spark__tsqa_fingerprint(text) -%}md5({{ text }}){%- endmacro %}


{#- The file name of a path (the landing row key's `_source_file`). -#}
{% macro tsqa_file_name(path) -%}
    {{- adapter.dispatch('tsqa_file_name', 'tsqa')(path) -}}
{%- endmacro %}

{% macro duckdb__tsqa_file_name(path) -%}parse_filename({{ path }}){%- endmacro %}

{% macro spark__tsqa_file_name(path) -%}element_at(split({{ path }}, '/'), -1){%- endmacro %}


{#- A one-column relation of text values (`select ... as <name>`), empty when none. -#}
{% macro tsqa_text_values(values, name) -%}
    {{- adapter.dispatch('tsqa_text_values', 'tsqa')(values, name) -}}
{%- endmacro %}

{% macro duckdb__tsqa_text_values(values, name) -%}
    select unnest({{ tsqa_file_list(values) if values else "[]::varchar[]" }}) as {{ name }}
{%- endmacro %}

{% macro spark__tsqa_text_values(values, name) -%}
    {%- if values -%}
    select explode(array({% for v in values %}{{ tsqa_literal(v) }}{{ ", " if not loop.last }}{% endfor %})) as {{ name }}
    {%- else -%}
    select cast(null as string) as {{ name }} where false
    {%- endif -%}
{%- endmacro %}


{#- `select * <this> (columns)`: every column but these. -#}
{% macro tsqa_star_except() -%}
    {{- adapter.dispatch('tsqa_star_except', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_star_except() -%}exclude{%- endmacro %}

{% macro spark__tsqa_star_except() -%}except{%- endmacro %}


{#- Semi and anti joins (rows of the left side with / without a match). -#}
{% macro tsqa_semi_join() -%}
    {{- adapter.dispatch('tsqa_semi_join', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_semi_join() -%}semi join{%- endmacro %}

{% macro spark__tsqa_semi_join() -%}left semi join{%- endmacro %}

{% macro tsqa_anti_join() -%}
    {{- adapter.dispatch('tsqa_anti_join', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_anti_join() -%}anti join{%- endmacro %}

{% macro spark__tsqa_anti_join() -%}left anti join{%- endmacro %}


{#- A CTE DuckDB must not materialize (`with x as not materialized (...)`): a plain
    `select *` of a large table that several CTEs read is cheaper to scan again than to
    copy (at 10M decisions the copy spilled: base_landing__moderation_decisions 74 s to
    57 s without it). Spark inlines CTEs and has no such keyword. -#}
{% macro tsqa_not_materialized() -%}
    {{- adapter.dispatch('tsqa_not_materialized', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_not_materialized() -%}not materialized{%- endmacro %}

{% macro spark__tsqa_not_materialized() -%}{%- endmacro %}


{#- A (file, line) pair that orders by file, then line (load order). -#}
{% macro tsqa_load_position(file, line) -%}
    {{- adapter.dispatch('tsqa_load_position', 'tsqa')(file, line) -}}
{%- endmacro %}

{% macro duckdb__tsqa_load_position(file, line) -%}{'file': {{ file }}, 'line': {{ line }}}{%- endmacro %}

{% macro spark__tsqa_load_position(file, line) -%}named_struct('file', {{ file }}, 'line', {{ line }}){%- endmacro %}


{#- The whole text matches the pattern (a regular expression both engines read alike:
    classes, \d, \. and \s only). -#}
{% macro tsqa_full_match(text, pattern) -%}
    {{- adapter.dispatch('tsqa_full_match', 'tsqa')(text, pattern) -}}
{%- endmacro %}

{% macro duckdb__tsqa_full_match(text, pattern) -%}regexp_full_match({{ text }}, '{{ pattern }}'){%- endmacro %}

{% macro spark__tsqa_full_match(text, pattern) -%}({{ text }} rlike r'^(?:{{ pattern }})$'){%- endmacro %}


{#- The pattern matches somewhere in the text. -#}
{% macro tsqa_search(text, pattern) -%}
    {{- adapter.dispatch('tsqa_search', 'tsqa')(text, pattern) -}}
{%- endmacro %}

{% macro duckdb__tsqa_search(text, pattern) -%}regexp_matches({{ text }}, '{{ pattern }}'){%- endmacro %}

{% macro spark__tsqa_search(text, pattern) -%}({{ text }} rlike r'{{ pattern }}'){%- endmacro %}


{#- A finite double (not NaN, not infinite). -#}
{% macro tsqa_is_finite(number) -%}
    {{- adapter.dispatch('tsqa_is_finite', 'tsqa')(number) -}}
{%- endmacro %}

{% macro duckdb__tsqa_is_finite(number) -%}isfinite({{ number }}){%- endmacro %}

{% macro spark__tsqa_is_finite(number) -%}
    (not isnan({{ number }}) and abs({{ number }}) < double('Infinity'))
{%- endmacro %}


{#- ISO 8601 text with an offset (checked before by tsqa_typed) as a UTC timestamp, or
    NULL, as DuckDB casts it (which takes a time without seconds and refuses a lower-case
    z). Spark's parser wants seconds: `:00` is added first. -#}
{% macro tsqa_try_utc_timestamp(text) -%}
    {{- adapter.dispatch('tsqa_try_utc_timestamp', 'tsqa')(text) -}}
{%- endmacro %}

{% macro duckdb__tsqa_try_utc_timestamp(text) -%}
    timezone('UTC', try_cast({{ text }} as timestamptz))
{%- endmacro %}

{% macro spark__tsqa_try_utc_timestamp(text) -%}
    {#- the session time zone is UTC (profiles.yml); an offset in the text is applied -#}
    try_cast(regexp_replace({{ text }}, r'^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})([Z+-])', '$1:00$2') as timestamp)
{%- endmacro %}


{#- The time of the build, in UTC (a timestamp without time zone). -#}
{% macro tsqa_now_utc() -%}
    {{- adapter.dispatch('tsqa_now_utc', 'tsqa')() -}}
{%- endmacro %}

{% macro duckdb__tsqa_now_utc() -%}timezone('UTC', get_current_timestamp()){%- endmacro %}

{% macro spark__tsqa_now_utc() -%}current_timestamp(){%- endmacro %}
