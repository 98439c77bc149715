{{
    config(
        materialized=incremental_materialization(),
        unique_key='chat_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per chat session. Wait = requested -> first agent message (or -> end when never
-- answered); handle time = first agent message -> end (chat concurrency: AHT is reported apart
-- from phone). agent_id is an HR employee_id; the version valid at the local contact date.
with chats as (
    select * from {{ ref('stg_crm__chat_sessions') }}
    {{ incremental_window() }}
),

dated as (
    select
        *,
        cast(requested_at_local as date) as contact_date,
        coalesce(outcome = 'handled', false) as is_handled
    from chats
)

select
    dated.chat_id,
    dated.contact_date,
    cast({{ dbt.date_trunc('month', 'dated.contact_date') }} as date) as contact_month,
    {{ service_half_hour('dated.requested_at_local') }} as interval_start_local,
    dated.queue_id,
    dated.channel,
    {{ service_employee_columns('employee') }},
    coalesce(dated.customer_id, '-1') as customer_key,
    coalesce(customer.customer_sk, '-1') as customer_sk,
    dated.requested_at,
    dated.first_agent_msg_at,
    dated.ended_at,
    dated.outcome,
    dated.is_handled,
    coalesce(dated.outcome = 'abandoned', false) as is_abandoned,
    coalesce(dated.outcome = 'bot_resolved', false) as is_bot_resolved,
    {{ service_seconds_between('dated.requested_at', 'coalesce(dated.first_agent_msg_at, dated.ended_at)') }}
        as wait_s,
    case
        when dated.is_handled then {{ service_seconds_between('dated.first_agent_msg_at', 'dated.ended_at') }}
    end as handle_s,
    dated.customer_msgs,
    dated.agent_msgs,
    dated.concurrency_slot,
    dated._business_date
from dated
{{ service_join_employee('employee', 'dated.agent_id', 'dated.contact_date') }}
{{ service_join_customer('customer', 'dated.customer_id', 'dated.contact_date') }}
