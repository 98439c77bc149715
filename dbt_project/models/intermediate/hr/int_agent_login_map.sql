-- CTI agent_login -> HR employee_id with validity periods (valid_to exclusive). Logins are
-- recycled: an assignment is valid from the employee's (spell) hire date - or from the first
-- roster delivery showing it if the employee had another login earlier in the same spell - until
-- the day after termination, or the day after the last delivery showing it when the roster later
-- shows a different login; cut at the next holder's start so periods never overlap.
with

assignments as (
    select * from {{ ref('stg_hr__employee_logins') }}
),

latest_delivery as (
    select max(last_seen_date) as snapshot_date from assignments
),

bounded as (
    select
        assignments.agent_login,
        assignments.employee_id,
        case
            when
                row_number() over (
                    partition by assignments.employee_id, assignments.hire_date
                    order by assignments.first_seen_date, assignments.agent_login
                ) = 1
                then coalesce(assignments.hire_date, assignments.first_seen_date)
            else assignments.first_seen_date
        end as valid_from,
        case
            when assignments.termination_date is not null
                then {{ hr_add_days(1, 'assignments.termination_date') }}
            when assignments.last_seen_date < latest_delivery.snapshot_date
                then {{ hr_add_days(1, 'assignments.last_seen_date') }}
            else {{ hr_open_end() }}
        end as assignment_end
    from assignments
    cross join latest_delivery
),

cut as (
    select
        agent_login,
        employee_id,
        valid_from,
        case
            when
                lead(valid_from) over (partition by agent_login order by valid_from, employee_id) < assignment_end
                then lead(valid_from) over (partition by agent_login order by valid_from, employee_id)
            else assignment_end
        end as valid_to
    from bounded
)

select
    {{ surrogate_key(['agent_login', 'valid_from']) }} as login_assignment_key,
    agent_login,
    employee_id,
    valid_from,
    valid_to,
    coalesce(valid_to = {{ hr_open_end() }}, false) as is_current
from cut
where valid_to > valid_from
