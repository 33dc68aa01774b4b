{#-
    The audit taxonomy of metrics.md ("Moderation audits"), written once.
    "Enforce" = any action other than approve and escalate.
-#}
{% macro is_enforcing(action) -%}
    (({{ action }}) not in ('approve', 'escalate'))
{%- endmacro %}


{% macro audit_is_correct(action, policy, ref_action, ref_policy) -%}
    {#- correct: same action, and when both enforce the same policy; two escalates agree
        whatever their policies (approve carries no policy). -#}
    (({{ action }}) = ({{ ref_action }})
        and (not {{ is_enforcing(action) }} or ({{ policy }}) is not distinct from ({{ ref_policy }})))
{%- endmacro %}


{% macro audit_error_type(action, policy, ref_action, ref_policy) -%}
    {#- exactly one of the four error types for an incorrect audit, else null. -#}
    (case
        when {{ audit_is_correct(action, policy, ref_action, ref_policy) }} then null
        when {{ is_enforcing(action) }} and ({{ ref_action }}) = 'approve' then 'over_enforcement'
        when ({{ action }}) = 'approve' and {{ is_enforcing(ref_action) }} then 'under_enforcement'
        when {{ is_enforcing(action) }} and {{ is_enforcing(ref_action) }}
            and ({{ policy }}) is distinct from ({{ ref_policy }}) then 'wrong_policy'
        else 'wrong_action'
    end)
{%- endmacro %}


{% macro audit_error_severity(is_correct, severity_tier) -%}
    {#- critical (tier 1) / major (tier 2) / minor (tiers 3-4 or no policy at stake) for an
        incorrect audit; the tier is that of the policy at stake (reference policy, else the
        moderator's). -#}
    (case
        when {{ is_correct }} then null
        when ({{ severity_tier }}) = 1 then 'critical'
        when ({{ severity_tier }}) = 2 then 'major'
        else 'minor'
    end)
{%- endmacro %}


{% macro audit_score(error_severity) -%}
    {#- qa_score points: 100 correct, 75 minor, 50 major, 0 critical. -#}
    (case ({{ error_severity }})
        when 'critical' then 0
        when 'major' then 50
        when 'minor' then 75
        else 100
    end)
{%- endmacro %}
