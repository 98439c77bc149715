{{
    config(
        materialized=incremental_materialization(),
        unique_key=['chat_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Incremental (like the big facts): only the window's deliveries are re-ranked; rows
-- outside it are older deliveries and can never win, so the result equals a full refresh.
-- Events: one row per chat_id (the latest delivery wins).
with source as (
    select * from {{ source('crm', 'chat_sessions') }}
    {{ incremental_window() }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['chat_id']) }} as delivery_rank
    from source
)

select
    chat_id,
    customer_id,
    channel,
    queue_id,
    agent_id,
    requested_at,
    first_agent_msg_at,
    ended_at,
    {{ service_to_local('requested_at') }} as requested_at_local,
    customer_msgs,
    agent_msgs,
    concurrency_slot,
    outcome,
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1
