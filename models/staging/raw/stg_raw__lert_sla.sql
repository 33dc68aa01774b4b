-- Response SLAs of law-enforcement requests, from the seed `lert_sla` (schema raw): one
-- row per request_type.
-- depends_on: {{ ref('lert_sla') }}
with

source as (
    select * from {{ source('raw', 'lert_sla') }}
),

renamed as (
    select
        -- key
        cast(request_type as string) as request_type,

        -- SLA
        cast(sla_hours as double) as sla_hours
    from source
)

select * from renamed
