-- Additive audit counts at the finest grain: audit_date x queue x vendor x site x market x
-- audit_source (moderator attributes as of the decision). Sums of any columns over any
-- slice are correct; rates are ratios of sums (see metrics.md, "Moderation audits").
with

audits as (
    select * from {{ ref('fct_qa_audits') }}
)

select
    audit_date,
    queue_code,
    vendor_code,
    site,
    market,
    audit_source,
    count(*) as audits,
    count(*) filter (where is_correct) as correct,
    count(*) filter (where not is_correct) as errors,
    count(*) filter (where raw_is_correct) as raw_correct,
    count(*) filter (where error_type = 'over_enforcement') as over_enforcement,
    count(*) filter (where error_type = 'under_enforcement') as under_enforcement,
    count(*) filter (where error_type = 'wrong_policy') as wrong_policy,
    count(*) filter (where error_type = 'wrong_action') as wrong_action,
    count(*) filter (where error_severity = 'critical') as critical_errors,
    count(*) filter (where error_severity = 'major') as major_errors,
    count(*) filter (where error_severity = 'minor') as minor_errors,
    count(*) filter (where moderator_enforced) as moderator_enforced,
    count(*) filter (where reference_enforced) as reference_enforced,
    count(*) filter (where moderator_enforced and reference_enforced) as both_enforced,
    cast(sum(audit_score) as bigint) as score_sum,
    cast(sum(disputes) as bigint) as disputes,
    cast(sum(resolved_disputes) as bigint) as resolved_disputes,
    cast(sum(overturned_disputes) as bigint) as overturned
from audits
group by audit_date, queue_code, vendor_code, site, market, audit_source
