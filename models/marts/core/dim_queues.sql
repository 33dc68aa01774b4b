-- One row per queue of the reference seed `queues`, every seed column.
with

queues as (
    select * from {{ source('raw', 'queues') }}
)

select * from queues
