{#-
    Incremental builds: one new daily drop costs a few seconds, not a rebuild.

    The rule that makes an incremental build give the same warehouse as a full one:
    every model that is incremental re-decides *every* row whose result a new row can
    change, from all the rows it depends on, and replaces what it held for them.

    - landing__<entity>: append-only by file (macros/landing.sql).
    - base_landing__<entity>: delete+insert of the rows of the files not staged before,
      plus every earlier row that shares a key or an exact-duplicate fingerprint with
      them, rows set aside as orphan_reference or out_of_range (a parent or a later
      as-of time may admit them now), and the rows that reference a parent value the
      parent model re-staged since this model last ran (macros/staging_rows.sql). Each
      row carries `_staged_at`, the start of the run that last decided it.
    - fct_moderation_decisions, fct_qa_audits: strategy `tsqa_replace_keys`. A pre-hook
      writes the keys whose row may have changed (from `_staged_at` of the staging rows
      they are built from) into a temporary table; the model selects the current rows of those
      keys; the strategy deletes every touched key and inserts what the model selected,
      so a record whose current version went away (re-sent and now quarantined) leaves
      the fact.

    Each incremental model records when it ran (`tsqa_record_run`, a post-hook in the
    model's transaction), and "re-staged since this model last ran" compares against
    that watermark: a build that failed half way is caught up by the next one.

    What an incremental build cannot see, and what needs `dbt build --full-refresh`
    (`tsqa build` decides this by itself, see tsqa/publish.py): a landed file changed or
    removed, a changed seed or model, another TSQA_PII_SALT or TSQA_AS_OF.
-#}

{% macro tsqa_runs_table() -%}
    landing.tsqa_model_runs
{%- endmacro %}


{% macro tsqa_create_runs_table() -%}
    {{- adapter.dispatch('tsqa_create_runs_table', 'tsqa')() -}}
{%- endmacro %}


{% macro spark__tsqa_create_runs_table() -%}
    {#- Spark: no incremental models (no table format here: they rebuild as tables), so no run log. -#}
{%- endmacro %}


{% macro duckdb__tsqa_create_runs_table() -%}
    create schema if not exists landing;
    create table if not exists {{ tsqa_runs_table() }} (model varchar, run_started_at timestamp)
{%- endmacro %}


{% macro tsqa_run_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{% macro tsqa_watermark() -%}
    {#- When this model last finished (its incremental runs included); -infinity before. -#}
    (
        select coalesce(max(run_started_at), '-infinity'::timestamp) from {{ tsqa_runs_table() }}
        where model = '{{ this.identifier }}'
    )
{%- endmacro %}


{% macro tsqa_record_run() -%}
    {{- adapter.dispatch('tsqa_record_run', 'tsqa')() -}}
{%- endmacro %}


{% macro spark__tsqa_record_run() -%}
    {#- Spark: no incremental models, no run log. -#}
{%- endmacro %}


{% macro duckdb__tsqa_record_run() -%}
    insert into {{ tsqa_runs_table() }} (model, run_started_at)
    values ('{{ this.identifier }}', {{ tsqa_run_started_at() }})
{%- endmacro %}


{% macro tsqa_touched_table() -%}
    tsqa_touched__{{ this.identifier }}
{%- endmacro %}


{% macro tsqa_touched_keys(key, touched_sql) -%}
    {#- Pre-hook of a `tsqa_replace_keys` model: the keys to re-decide, into a temporary
        table of this connection (the model and the strategy read it). -#}
    {%- if is_incremental() -%}
    create or replace temp table {{ tsqa_touched_table() }} as
    select distinct {{ key }} from ({{ touched_sql }}) where {{ key }} is not null
    {%- endif -%}
{%- endmacro %}


{% macro tsqa_only_touched(key) -%}
    {%- if is_incremental() %}
    where {{ key }} in (select {{ key }} from {{ tsqa_touched_table() }})
    {%- endif %}
{%- endmacro %}


{% macro get_incremental_tsqa_replace_keys_sql(arg_dict) -%}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set key = arg_dict["unique_key"] -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ target }}
    where {{ key }} in (select {{ key }} from tsqa_touched__{{ target.identifier }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{%- endmacro %}


{% macro tsqa_touched_decisions() -%}
    {#- Decisions whose attributed row may differ from the one this model holds: the
        re-staged ones. A moderator's re-staged roster re-stages that moderator's
        decisions already (their reference to base_landing__moderators), so a vendor
        move re-attributes them through this one rule. -#}
    select decision_id from {{ ref('base_landing__moderation_decisions') }}
    where _staged_at > {{ tsqa_watermark() }}
{%- endmacro %}


{% macro tsqa_touched_audits() -%}
    {#- Audits whose classified row may differ from the one this model holds: re-staged
        audits, audits of touched decisions, audits with a re-staged dispute. -#}
    select audit_id from {{ ref('base_landing__qa_audits') }}
    where _staged_at > {{ tsqa_watermark() }}
    union all
    select audit_id from {{ ref('stg_landing__qa_audits') }}
    where decision_id in ({{ tsqa_touched_decisions() }})
    union all
    select audit_id from {{ ref('base_landing__audit_disputes') }}
    where _staged_at > {{ tsqa_watermark() }}
{%- endmacro %}
