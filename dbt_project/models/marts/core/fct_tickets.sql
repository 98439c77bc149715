{{
    config(
        materialized=incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Accumulating snapshot, one row per ticket (its latest version). First reply and resolution
-- times in calendar minutes and in business minutes (open 08:00-22:00 local, every day).
-- The assignee is the dim_employee version valid at the local creation date.
with tickets as (
    select * from {{ ref('stg_crm__tickets') }}
    {{ incremental_window() }}
),

dated as (
    select
        *,
        cast(created_at_local as date) as created_date
    from tickets
)

select
    dated.ticket_id,
    dated.created_date,
    cast({{ dbt.date_trunc('month', 'dated.created_date') }} as date) as created_month,
    cast(dated.resolved_at_local as date) as resolved_date,
    dated.channel,
    dated.category,
    dated.priority,
    coalesce(dated.is_complaint, false) as is_complaint,
    dated.complaint_source,
    dated.status,
    dated.origin_call_id,
    dated.origin_chat_id,
    {{ service_employee_columns('employee') }},
    coalesce(dated.customer_id, '-1') as customer_key,
    coalesce(customer.customer_sk, '-1') as customer_sk,
    dated.created_at,
    dated.first_reply_at,
    dated.resolved_at,
    dated.closed_at,
    dated.first_reply_at is not null as has_first_reply,
    dated.resolved_at is not null as is_resolved,
    coalesce(dated.reopen_count, 0) as reopen_count,
    coalesce(dated.reopen_count, 0) > 0 as is_reopened,
    {{ service_seconds_between(
        'dated.created_at', 'dated.first_reply_at'
    ) }} / cast(60 as double) as first_reply_min,
    {{ service_business_minutes('dated.created_at_local', 'dated.first_reply_at_local') }}
        as first_reply_business_min,
    {{ service_seconds_between(
        'dated.created_at', 'dated.resolved_at'
    ) }} / cast(60 as double) as resolution_min,
    {{ service_business_minutes('dated.created_at_local', 'dated.resolved_at_local') }}
        as resolution_business_min,
    dated.updated_at,
    dated._business_date
from dated
{{ service_join_employee('employee', 'dated.assignee_agent_id', 'dated.created_date') }}
{{ service_join_customer('customer', 'dated.customer_id', 'dated.created_date') }}
