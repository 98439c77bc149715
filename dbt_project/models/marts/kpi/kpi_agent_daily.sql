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
-- Where schedule windows overlap (a break inside a training window), each second of the shift
-- has one activity: leave > lunch > break > training > meeting > shift (DECISIONLOG,
-- "Overlapping schedule windows"); windows outside the shift are not paid time.
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

schedule_boundaries as (
    -- every instant at which an agent's scheduled activity can change on a shift date
    select
        employee_id,
        shift_date,
        starts_at as boundary_at
    from schedules
    union
    select
        employee_id,
        shift_date,
        ends_at as boundary_at
    from schedules
),

elementary_spans as (
    select
        employee_id,
        shift_date,
        boundary_at as starts_at,
        lead(boundary_at) over (partition by employee_id, shift_date order by boundary_at) as ends_at
    from schedule_boundaries
),

covering_activities as (
    select
        spans.employee_id,
        spans.shift_date,
        spans.starts_at,
        spans.ends_at,
        windows.team_id,
        windows.activity,
        max(case when windows.activity = 'shift' then 1 else 0 end) over (
            partition by spans.employee_id, spans.shift_date, spans.starts_at
        ) as in_shift,
        -- the activity in force where windows overlap (a break inside a training window):
        -- time off the schedule (leave, lunch, break) over training / meeting over the shift
        row_number() over (
            partition by spans.employee_id, spans.shift_date, spans.starts_at
            order by
                case windows.activity
                    when 'leave' then 1
                    when 'lunch' then 2
                    when 'break' then 3
                    when 'training' then 4
                    when 'meeting' then 5
                    else 6
                end,
                windows.starts_at desc
        ) as precedence
    from elementary_spans as spans
    inner join schedules as windows
        on spans.employee_id = windows.employee_id
            and spans.shift_date = windows.shift_date
            and spans.starts_at >= windows.starts_at
            and spans.ends_at <= windows.ends_at
    where spans.ends_at > spans.starts_at
),

schedule_segments as (
    -- the shift cut into non-overlapping segments, each with the one activity in force;
    -- windows outside every shift window are not paid time and are left out
    select
        employee_id,
        shift_date,
        team_id,
        activity,
        starts_at,
        ends_at,
        {{ service_seconds_between(
            'starts_at',
            'ends_at'
        ) }} as segment_s
    from covering_activities
    where precedence = 1 and in_shift = 1
),

state_schedule_overlaps as (
    select
        segments.employee_id,
        segments.shift_date,
        segments.activity,
        states.state,
        states.reason_code,
        {{ service_seconds_between(
            'greatest(states.started_at, segments.starts_at)',
            'least(states.ended_at, segments.ends_at)'
        ) }} as overlap_s
    from schedule_segments as segments
    inner join overlapping_states as states
        on segments.employee_id = states.employee_id
            and segments.ends_at > states.started_at
            and segments.starts_at < states.ended_at
),

overlap_time as (
    select
        employee_id,
        shift_date,
        sum(
            case
                when activity = 'shift' and state in {{ productive }} then overlap_s
                when activity in ('training', 'meeting') and state = 'not_ready' and reason_code = activity
                    then overlap_s
                else 0
            end
        ) as adherent_s,
        sum(case when activity = 'shift' and state <> 'logged_out' then overlap_s else 0 end)
            as on_phone_logged_in_s,
        sum(case when activity = 'shift' and state = 'not_ready' and reason_code = 'coaching' then overlap_s else 0 end)
            as coaching_s
    from state_schedule_overlaps
    group by employee_id, shift_date
),

schedule_time as (
    select
        shift_date as date,
        employee_id,
        max(team_id) as team_id,
        sum(segment_s) as paid_s,
        sum(case when activity in ('break', 'lunch', 'leave') then segment_s else 0 end) as breaks_s,
        sum(case when activity in {{ off_phone }} then segment_s else 0 end) as planned_activity_s
    from schedule_segments
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
