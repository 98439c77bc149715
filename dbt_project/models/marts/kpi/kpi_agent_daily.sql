{{
    config(
        materialized=incremental_materialization(),
        unique_key='date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
-- Agent KPIs per local date and employee (the team of the employee version valid that day).
-- Occupancy = (talking + hold + acw) / (talking + hold + acw + ready) seconds of CTI states.
-- Adherence = seconds in the scheduled state / scheduled seconds (shift minus break, lunch and
-- leave): on-phone time in ready / talking / hold / acw, training and meeting windows in
-- not_ready with the matching reason. Shrinkage = (planned + unplanned) / paid (shift) seconds:
-- planned = scheduled break, lunch, training, meeting, leave + not_ready 'coaching' in on-phone
-- time; unplanned = on-phone time not logged in (logged out or no state at all).
-- Incremental (DECISIONLOG, "kpi_agent_daily is incremental"): a run recomputes whole dates,
-- those of the facts' rows in the window plus the shift dates their agent states overlap, and
-- replaces them (unique_key = date).
-- sqlfluff:indentation:template_blocks_indent:false
{%- set productive = "('ready', 'talking', 'hold', 'acw')" %}
{%- set off_phone = "('break', 'lunch', 'training', 'meeting', 'leave')" %}
{%- set in_scope = is_incremental() %}
with
{%- if in_scope %}
changed_state_spans as (
    select
        employee_id,
        min(started_at) as from_at,
        max(ended_at) as to_at
    from {{ ref('fct_agent_states') }}
    {{ incremental_window(this_column='date') }}
    group by employee_id
),

affected_dates as (
    select contact_date as date from {{ ref('fct_call_segments') }}
    {{ incremental_window(this_column='date') }}
    union
    select contact_date as date from {{ ref('fct_chats') }}
    {{ incremental_window(this_column='date') }}
    union
    select state_date as date from {{ ref('fct_agent_states') }}
    {{ incremental_window(this_column='date') }}
    union
    select shift_date as date from {{ ref('fct_schedules') }}
    {{ incremental_window(this_column='date') }}
    union
    -- shifts that a changed agent state overlaps (adherence, shrinkage)
    select schedules.shift_date as date
    from {{ ref('fct_schedules') }} as schedules
    inner join changed_state_spans as spans
        on schedules.employee_id = spans.employee_id
            and schedules.ends_at > spans.from_at
            and schedules.starts_at < spans.to_at
),
{%- endif %}

all_states as {{ cte_not_materialized() }} (
    select * from {{ ref('fct_agent_states') }}
    where employee_id <> '-1' and ended_at is not null
),

states as (
    select * from all_states
    where
        true
    {{ and_in_incremental_dates('state_date') }}
),

schedules as (
    select * from {{ ref('fct_schedules') }}
    where
        ends_at is not null
    {{ and_in_incremental_dates('shift_date') }}
),
{%- if in_scope %}

schedule_spans as (
    select
        employee_id,
        min(starts_at) as from_at,
        max(ends_at) as to_at
    from schedules
    group by employee_id
),

overlapping_states as (
    -- the agent states that can overlap a schedule activity in scope
    select all_states.*
    from all_states
    inner join schedule_spans
        on all_states.employee_id = schedule_spans.employee_id
            and all_states.ended_at > schedule_spans.from_at
            and all_states.started_at < schedule_spans.to_at
),
{%- else %}

overlapping_states as (
    select * from all_states
),
{%- endif %}

calls as (
    select
        contact_date as date,
        employee_id,
        max(team_id) as team_id,
        {{ service_count_if('is_handled') }} as calls_handled,
        cast(sum(case when is_handled then handle_s else 0 end) as {{ dbt.type_bigint() }}) as call_handle_s,
        {{ service_count_if('is_transferred') }} as calls_transferred
    from {{ ref('fct_call_segments') }}
    where
        is_handled
    {{ and_in_incremental_dates('contact_date') }}
    group by contact_date, employee_id
),

chats as (
    select
        contact_date as date,
        employee_id,
        max(team_id) as team_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as chats_handled,
        cast(sum(handle_s) as {{ dbt.type_bigint() }}) as chat_handle_s
    from {{ ref('fct_chats') }}
    where
        is_handled
    {{ and_in_incremental_dates('contact_date') }}
    group by contact_date, employee_id
),

state_time as (
    select
        state_date as date,
        employee_id,
        max(team_id) as team_id,
        cast(sum(case when state in ('talking', 'hold', 'acw') then duration_s else 0 end) as {{ dbt.type_bigint() }})
            as busy_s,
        cast(sum(case when state = 'ready' then duration_s else 0 end) as {{ dbt.type_bigint() }}) as ready_s
    from states
    group by state_date, employee_id
),

state_schedule_overlaps as (
    select
        schedules.employee_id,
        schedules.shift_date,
        schedules.activity,
        states.state,
        states.reason_code,
        {{ service_seconds_between(
            'greatest(states.started_at, schedules.starts_at)',
            'least(states.ended_at, schedules.ends_at)'
        ) }} as overlap_s
    from schedules
    inner join overlapping_states as states
        on schedules.employee_id = states.employee_id
            and schedules.ends_at > states.started_at
            and schedules.starts_at < states.ended_at
),

overlap_time as (
    select
        employee_id,
        shift_date,
        sum(case when activity = 'shift' and state in {{ productive }} then overlap_s else 0 end)
        - sum(case when activity in {{ off_phone }} and state in {{ productive }} then overlap_s else 0 end)
        + sum(
            case
                when activity in ('training', 'meeting') and state = 'not_ready' and reason_code = activity
                    then overlap_s
                else 0
            end
        ) as adherent_s,
        sum(case when activity = 'shift' and state <> 'logged_out' then overlap_s else 0 end)
        - sum(case when activity in {{ off_phone }} and state <> 'logged_out' then overlap_s else 0 end)
            as on_phone_logged_in_s,
        sum(case when activity = 'shift' and state = 'not_ready' and reason_code = 'coaching' then overlap_s else 0 end)
        - sum(
            case
                when activity in {{ off_phone }} and state = 'not_ready' and reason_code = 'coaching' then overlap_s
                else 0
            end
        ) as coaching_s
    from state_schedule_overlaps
    group by employee_id, shift_date
),

schedule_time as (
    select
        shift_date as date,
        employee_id,
        max(team_id) as team_id,
        sum(case when activity = 'shift' then minutes else 0 end) * 60 as paid_s,
        sum(case when activity in ('break', 'lunch', 'leave') then minutes else 0 end) * 60 as breaks_s,
        sum(case when activity in {{ off_phone }} then minutes else 0 end) * 60 as planned_activity_s
    from schedules
    group by shift_date, employee_id
),

schedule_kpis as (
    select
        schedule_time.date,
        schedule_time.employee_id,
        schedule_time.team_id,
        schedule_time.paid_s,
        greatest(schedule_time.paid_s - schedule_time.breaks_s, 0) as scheduled_s,
        coalesce(overlap_time.adherent_s, 0) as adherent_s,
        schedule_time.planned_activity_s + coalesce(overlap_time.coaching_s, 0) as planned_shrinkage_s,
        greatest(
            schedule_time.paid_s - schedule_time.planned_activity_s - coalesce(overlap_time.on_phone_logged_in_s, 0),
            0
        ) as unplanned_shrinkage_s
    from schedule_time
    left join overlap_time
        on schedule_time.employee_id = overlap_time.employee_id
            and schedule_time.date = overlap_time.shift_date
),

keys as (
    select
        date,
        employee_id
    from calls
    union
    select
        date,
        employee_id
    from chats
    union
    select
        date,
        employee_id
    from state_time
    union
    select
        date,
        employee_id
    from schedule_kpis
),

joined as (
    select
        keys.date,
        keys.employee_id,
        coalesce(calls.team_id, chats.team_id, state_time.team_id, schedule_kpis.team_id, '-1') as team_id,
        coalesce(calls.calls_handled, 0) as calls_handled,
        coalesce(calls.call_handle_s, 0) as call_handle_s,
        coalesce(calls.calls_transferred, 0) as calls_transferred,
        coalesce(chats.chats_handled, 0) as chats_handled,
        coalesce(chats.chat_handle_s, 0) as chat_handle_s,
        coalesce(state_time.busy_s, 0) as busy_s,
        coalesce(state_time.ready_s, 0) as ready_s,
        coalesce(schedule_kpis.paid_s, 0) as paid_s,
        coalesce(schedule_kpis.scheduled_s, 0) as scheduled_s,
        coalesce(schedule_kpis.adherent_s, 0) as adherent_s,
        coalesce(schedule_kpis.planned_shrinkage_s, 0) as planned_shrinkage_s,
        coalesce(schedule_kpis.unplanned_shrinkage_s, 0) as unplanned_shrinkage_s
    from keys
    left join calls on keys.date = calls.date and keys.employee_id = calls.employee_id
    left join chats on keys.date = chats.date and keys.employee_id = chats.employee_id
    left join state_time on keys.date = state_time.date and keys.employee_id = state_time.employee_id
    left join schedule_kpis on keys.date = schedule_kpis.date and keys.employee_id = schedule_kpis.employee_id
)

select
    date,
    employee_id,
    team_id,
    calls_handled,
    call_handle_s,
    {{ service_ratio('call_handle_s', 'calls_handled') }} as aht_phone_s,
    chats_handled,
    chat_handle_s,
    {{ service_ratio('chat_handle_s', 'chats_handled') }} as aht_chat_s,
    busy_s,
    ready_s,
    {{ service_ratio('busy_s', 'busy_s + ready_s') }} as occupancy,
    cast(scheduled_s as {{ dbt.type_bigint() }}) as scheduled_s,
    cast(adherent_s as {{ dbt.type_bigint() }}) as adherent_s,
    {{ service_ratio('adherent_s', 'scheduled_s') }} as adherence,
    cast(paid_s as {{ dbt.type_bigint() }}) as paid_s,
    cast(planned_shrinkage_s as {{ dbt.type_bigint() }}) as planned_shrinkage_s,
    cast(unplanned_shrinkage_s as {{ dbt.type_bigint() }}) as unplanned_shrinkage_s,
    {{ service_ratio('planned_shrinkage_s', 'paid_s') }} as shrinkage_planned,
    {{ service_ratio('unplanned_shrinkage_s', 'paid_s') }} as shrinkage_unplanned,
    {{ service_ratio('planned_shrinkage_s + unplanned_shrinkage_s', 'paid_s') }} as shrinkage,
    calls_transferred,
    {{ service_ratio('calls_transferred', 'calls_handled') }} as transfer_rate
from joined
