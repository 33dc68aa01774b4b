-- Pareto of coded errors per audit month and queue (metrics.md, "Root causes"): one row
-- per root cause with at least one incorrect (dispute-adjusted) audit carrying it.
with

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

root_causes as (
    select * from {{ ref('dim_root_causes') }}
),

{{ root_cause_pareto('queue_code') }}
