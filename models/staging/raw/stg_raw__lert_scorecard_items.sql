-- The LERT quality checklist, from the seed `lert_scorecard_items` (schema raw): one row
-- per item_code.
-- depends_on: {{ ref('lert_scorecard_items') }}
with

source as (
    select * from {{ source('raw', 'lert_scorecard_items') }}
),

renamed as (
    select
        -- key
        cast(item_code as string) as item_code,

        -- attributes
        cast(item_name as string) as item_name,
        cast(weight as double) as weight,
        cast(is_critical as boolean) as is_critical
    from source
)

select * from renamed
