-- One row per policy of the reference seed `policies` (through stg_raw__policies), every seed column.
with

policies as (
    select * from {{ ref('stg_raw__policies') }}
)

select * from policies
