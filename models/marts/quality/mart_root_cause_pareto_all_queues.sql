-- Pareto of coded errors per audit month over every queue together (metrics.md, "Root
-- causes", with queue_code 'all'): what the Monthly Quality Report shows first.
with

audits as (
    select * from {{ ref('fct_qa_audits') }}
),

root_causes as (
    select * from {{ ref('dim_root_causes') }}
),

{{ root_cause_pareto("'all'") }}
