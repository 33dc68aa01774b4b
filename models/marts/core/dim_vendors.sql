-- One row per vendor of the reference seed `vendors` (through stg_raw__vendors), every seed column.
with

vendors as (
    select * from {{ ref('stg_raw__vendors') }}
)

select * from vendors
