-- One row per policie of the reference seed `policies`, every seed column.
with

policies as (
    select * from {{ source('raw', 'policies') }}
)

select * from policies
