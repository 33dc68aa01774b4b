-- Content policies, from the seed `policies` (schema raw): one row per policy_code.
-- depends_on: {{ ref('policies') }}
with

source as (
    select * from {{ source('raw', 'policies') }}
),

renamed as (
    select
        -- key
        cast(policy_code as string) as policy_code,

        -- attributes
        cast(policy_name as string) as policy_name,
        cast(policy_area as string) as policy_area,
        cast(severity_tier as integer) as severity_tier
    from source
)

select * from renamed
