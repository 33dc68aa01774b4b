-- One row per first-level moderation decision (current version), with the moderator's
-- roster attributes in effect at decided_at. user_key is the keyed hash of the content
-- creator's user_id (never the id itself).
{#- Incremental (macros/incremental.sql): a build re-decides the decisions re-staged
    since the last one (a re-staged roster re-stages its moderator's decisions). -#}
{#- On Spark (no Delta/Iceberg table format here) the fact is rebuilt as a table on
    every build: the same rows, without the incremental path. -#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='tsqa_replace_keys',
    unique_key='decision_id',
    on_schema_change='fail',
    pre_hook="{{ tsqa_touched_keys('decision_id', tsqa_touched_decisions()) }}",
    post_hook="{{ tsqa_record_run() }}",
) }}
-- depends_on: {{ ref('base_landing__moderation_decisions') }}

with

decisions as (
    select * from {{ ref('int_moderation__decisions_attributed') }}
    {{- tsqa_only_touched('decision_id') }}
)

select
    decision_id,
    content_id,
    user_key,
    queue_code,
    moderator_id,
    moderator_key,
    vendor_code,
    site,
    market,
    action,
    policy_code,
    content_type,
    decided_at,
    decision_date,
    handle_time_s
from decisions
