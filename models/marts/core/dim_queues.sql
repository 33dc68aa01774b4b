-- One row per queue of the reference seed `queues` (through stg_raw__queues), every seed column.
with

queues as (
    select * from {{ ref('stg_raw__queues') }}
)

select * from queues
