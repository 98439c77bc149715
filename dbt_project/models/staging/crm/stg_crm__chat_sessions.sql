-- Events: one row per chat_id (the latest delivery wins).
with source as (
    select * from {{ source('crm', 'chat_sessions') }}
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
