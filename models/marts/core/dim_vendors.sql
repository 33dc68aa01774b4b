-- One row per vendor of the reference seed `vendors`, every seed column.
with

vendors as (
    select * from {{ source('raw', 'vendors') }}
)

select * from vendors
