-- Moderation queues, from the seed `queues` (schema raw): one row per queue_code.
-- depends_on: {{ ref('queues') }}
with

source as (
    select * from {{ source('raw', 'queues') }}
),

renamed as (
    select
        -- key
        cast(queue_code as string) as queue_code,

        -- attributes
        cast(queue_name as string) as queue_name,
        cast(content_surface as string) as content_surface,
        cast(is_high_harm as boolean) as is_high_harm
    from source
)

select * from renamed
