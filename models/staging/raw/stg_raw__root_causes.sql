-- The root-cause taxonomy, from the seed `root_causes` (schema raw): one row per
-- root_cause_code.
-- depends_on: {{ ref('root_causes') }}
with

source as (
    select * from {{ source('raw', 'root_causes') }}
),

renamed as (
    select
        -- key
        cast(root_cause_code as string) as root_cause_code,

        -- attributes
        cast(root_cause_name as string) as root_cause_name,
        cast(category as string) as category,
        cast(description as string) as description
    from source
)

select * from renamed
