-- One row per policie of the reference seed `policies`, every seed column.
with

policies as (
    select * from {{ reference_table('policies') }}
)

select * from policies
