-- Delta: the latest version of each ticket (by updated_at, then business date).
with source as (
    select * from {{ source('crm', 'tickets') }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['ticket_id'], 'updated_at') }} as version_rank
    from source
)

select
    ticket_id,
    customer_id,
    channel,
    category,
    priority,
    is_complaint,
    complaint_source,
    origin_call_id,
    origin_chat_id,
    assignee_agent_id,
    created_at,
    first_reply_at,
    resolved_at,
    closed_at,
    {{ service_to_local('created_at') }} as created_at_local,
    {{ service_to_local('first_reply_at') }} as first_reply_at_local,
    {{ service_to_local('resolved_at') }} as resolved_at_local,
    status,
    reopen_count,
    updated_at,
    _business_date,
    _source_file,
    _load_id
from ranked
where version_rank = 1
