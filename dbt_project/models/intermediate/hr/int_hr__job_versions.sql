-- Type-2 versions of an employee's job (team, supervisor, level, incentive role) from
-- job_history: each row is valid from its effective_from until the next row's effective_from
-- (exclusive; the source effective_to is not trusted for contiguity). The previous version's
-- values are carried for event detection. Roster employees without job history get one version
-- from their hire date with unknown job attributes.
with

job_rows as (
    select
        employee_id,
        effective_from,
        action,
        team_id,
        supervisor_id,
        job_level,
        incentive_role
    from {{ ref('stg_hr__job_history') }}

    union all

    select
        roster.employee_id,
        roster.hire_date as effective_from,
        'hire' as action,
        null as team_id,
        null as supervisor_id,
        null as job_level,
        null as incentive_role
    from {{ ref('stg_hr__employees') }} as roster
    where
        roster.hire_date is not null
        and not exists (
            select 1 from {{ ref('stg_hr__job_history') }} as jh
            where jh.employee_id = roster.employee_id
        )
)

select
    employee_id,
    effective_from as valid_from,
    coalesce(
        lead(effective_from) over (partition by employee_id order by effective_from),
        {{ hr_open_end() }}
    ) as valid_to,
    action,
    team_id,
    supervisor_id,
    job_level,
    incentive_role,
    lag(team_id) over (partition by employee_id order by effective_from) as previous_team_id,
    lag(job_level) over (partition by employee_id order by effective_from) as previous_job_level,
    lag(incentive_role) over (partition by employee_id order by effective_from) as previous_incentive_role,
    lag(action) over (partition by employee_id order by effective_from) as previous_action
from job_rows
