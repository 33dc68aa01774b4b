-- The in-house team and the BPO vendors, from the seed `vendors` (schema raw): one row
-- per vendor_code.
-- depends_on: {{ ref('vendors') }}
with

source as (
    select * from {{ source('raw', 'vendors') }}
),

renamed as (
    select
        -- key
        cast(vendor_code as string) as vendor_code,

        -- attributes
        cast(vendor_name as string) as vendor_name,
        cast(is_bpo as boolean) as is_bpo
    from source
)

select * from renamed
