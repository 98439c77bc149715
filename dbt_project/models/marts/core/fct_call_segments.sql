{{
    config(
        materialized=incremental_materialization(),
        unique_key=['call_id', 'segment_no'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- One row per call segment (queue / agent leg). Offered = inbound segments that entered a
-- queue; callbacks are not abandons; short abandon = abandoned with wait <= the queue's
-- short_abandon_s. The agent is the employee mapped from the CTI login valid at the local
-- contact date, then the dim_employee version valid that day ('-1' when unmapped).
with segments as (
    select * from {{ ref('stg_telephony__calls') }}
    {{ incremental_window() }}
),

timed as (
    select
        *,
        cast(started_at_local as date) as contact_date,
        case
            when answered_at is not null then {{ service_seconds_between('enqueued_at', 'answered_at') }}
            else {{ service_seconds_between('enqueued_at', 'ended_at') }}
        end as wait_s
    from segments
),

offered as (
    select
        timed.*,
        coalesce(queue.queue_sk, '-1') as queue_sk,
        queue.sl_threshold_s,
        queue.short_abandon_s,
        coalesce(
            timed.direction = 'inbound' and timed.queue_id is not null and timed.enqueued_at is not null,
            false
        ) as is_offered,
        coalesce(timed.answered_at is not null and timed.agent_login is not null, false) as is_handled
    from timed
    left join {{ ref('dim_queue') }} as queue
        on timed.queue_id = queue.queue_id
),

flagged as (
    select
        *,
        coalesce(is_offered and answered_at is not null, false) as is_answered,
        coalesce(is_offered and answered_at is null and disposition = 'abandoned', false) as is_abandoned
    from offered
)

select
    {{ surrogate_key(['flagged.call_id', 'flagged.segment_no']) }} as call_segment_sk,
    flagged.call_id,
    flagged.segment_no,
    flagged.contact_date,
    cast({{ dbt.date_trunc('month', 'flagged.contact_date') }} as date) as contact_month,
    {{ service_half_hour('flagged.started_at_local') }} as interval_start_local,
    flagged.queue_id,
    flagged.queue_sk,
    flagged.direction,
    flagged.agent_login,
    coalesce(flagged.agent_login is not null and login.employee_id is null, false) as is_login_orphan,
    {{ service_employee_columns('employee') }},
    coalesce(flagged.customer_id, '-1') as customer_key,
    coalesce(customer.customer_sk, '-1') as customer_sk,
    flagged.enqueued_at,
    flagged.answered_at,
    flagged.ended_at,
    flagged.disposition,
    flagged.transfer_to_queue,
    flagged.is_offered,
    flagged.is_answered,
    flagged.is_abandoned,
    coalesce(flagged.is_abandoned and flagged.wait_s <= flagged.short_abandon_s, false) as is_short_abandoned,
    coalesce(flagged.is_offered and flagged.disposition = 'callback', false) as is_callback,
    coalesce(flagged.is_offered and flagged.disposition = 'flowout', false) as is_flowout,
    flagged.is_handled,
    coalesce(flagged.is_handled and flagged.disposition = 'transferred', false) as is_transferred,
    coalesce(flagged.is_answered and flagged.wait_s <= flagged.sl_threshold_s, false) as is_answered_within_t,
    coalesce(flagged.is_abandoned and flagged.wait_s <= flagged.sl_threshold_s, false) as is_abandoned_within_t,
    case when flagged.is_offered then flagged.wait_s end as wait_s,
    flagged.ring_s,
    flagged.talk_s,
    flagged.hold_s,
    flagged.acw_s,
    case
        when flagged.is_handled
            then coalesce(flagged.talk_s, 0) + coalesce(flagged.hold_s, 0) + coalesce(flagged.acw_s, 0)
    end as handle_s,
    flagged._business_date
from flagged
{{ service_join_login('login', 'flagged.agent_login', 'flagged.contact_date') }}
{{ service_join_employee('employee', 'login.employee_id', 'flagged.contact_date') }}
{{ service_join_customer('customer', 'flagged.customer_id', 'flagged.contact_date') }}
