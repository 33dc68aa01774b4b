-- Quality targets, from the seed `quality_targets` (schema raw): one row per queue_code x
-- vendor_code x effective_from, where `*` stands for any queue or any vendor. Which row
-- applies to a slice is decided in one place, macros/quality_targets.sql.
-- depends_on: {{ ref('quality_targets') }}
with

source as (
    select * from {{ source('raw', 'quality_targets') }}
),

renamed as (
    select
        -- key
        cast(queue_code as string) as queue_code,
        cast(vendor_code as string) as vendor_code,
        cast(effective_from as date) as effective_from,

        -- targets (fractions)
        cast(accuracy_target as double) as accuracy_target,
        cast(critical_error_rate_max as double) as critical_error_rate_max,
        cast(audit_sample_rate as double) as audit_sample_rate,
        cast(margin_of_error_max as double) as margin_of_error_max
    from source
)

select * from renamed
