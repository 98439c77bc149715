-- Employee events (grain employee x event_date x event_type): every job_history action (hire,
-- rehire, promotion, demotion, transfer, role_change, termination) with before/after team,
-- level and incentive role, plus one `separation` event per ended employment spell (on its
-- termination_date = last day employed) with the separation type. A team change while employed
-- (any non-hire action whose team differs from the previous version's) is a team exit, not a
-- separation. employee_sk = the version valid on the event date.
with

versions as (
    select * from {{ ref('int_hr__job_versions') }}
),

spells as (
    select * from {{ ref('int_hr__employment_spells') }}
),

employees as (
    select * from {{ ref('dim_employee') }}
),

job_events as (
    select
        employee_id,
        valid_from as event_date,
        action as event_type,
        'job_history' as event_source,
        previous_team_id as from_team_id,
        team_id as to_team_id,
        previous_job_level as from_job_level,
        job_level as to_job_level,
        previous_incentive_role as from_incentive_role,
        incentive_role as to_incentive_role,
        coalesce(
            action not in ('hire', 'rehire', 'termination')
            and previous_team_id is not null
            and team_id is not null
            and team_id <> previous_team_id,
            false
        ) as is_team_change,
        coalesce(
            action not in ('hire', 'rehire')
            and incentive_role is not null
            and incentive_role <> 'none'
            and coalesce(previous_incentive_role, 'none') <> incentive_role,
            false
        ) as is_incentive_role_assignment,
        cast(null as {{ dbt.type_string() }}) as separation_type,
        cast(null as {{ dbt.type_string() }}) as termination_reason
    from versions
),

separations as (
    select
        employee_id,
        termination_date as event_date,
        'separation' as event_type,
        'roster' as event_source,
        cast(null as {{ dbt.type_string() }}) as from_team_id,
        cast(null as {{ dbt.type_string() }}) as to_team_id,
        cast(null as {{ dbt.type_string() }}) as from_job_level,
        cast(null as {{ dbt.type_string() }}) as to_job_level,
        cast(null as {{ dbt.type_string() }}) as from_incentive_role,
        cast(null as {{ dbt.type_string() }}) as to_incentive_role,
        false as is_team_change,
        false as is_incentive_role_assignment,
        coalesce(termination_type, 'other') as separation_type,
        termination_reason
    from spells
    where termination_date is not null
),

events as (
    select * from job_events
    union all
    select * from separations
)

select
    {{ surrogate_key(['events.employee_id', 'events.event_date', 'events.event_type']) }} as employee_event_key,
    events.employee_id,
    coalesce(employees.employee_sk, '-1') as employee_sk,
    events.event_date,
    {{ hr_month_start('events.event_date') }} as event_month,
    events.event_type,
    events.event_source,
    coalesce(employees.team_id, '-1') as team_id,
    events.from_team_id,
    events.to_team_id,
    events.from_job_level,
    events.to_job_level,
    events.from_incentive_role,
    events.to_incentive_role,
    events.is_team_change,
    events.is_incentive_role_assignment,
    coalesce(events.event_type = 'separation', false) as is_separation,
    events.separation_type,
    events.termination_reason,
    case when events.is_team_change then 1 else 0 end as team_exit_count,
    case when events.event_type = 'separation' then 1 else 0 end as separation_count
from events
left join employees
    on
        events.employee_id = employees.employee_id
        and events.event_date >= employees.valid_from
        and events.event_date < employees.valid_to
