-- One row per vendor of the reference seed `vendors`, every seed column.
with

vendors as (
    select * from {{ reference_table('vendors') }}
)

select * from vendors
