-- Employment spells (grain: employee x spell, hire or rehire .. last day employed) as the
-- latest HR snapshot records them, however far back they start: a warehouse that goes live
-- in March still knows the November hires and who of them left. The source of hire cohorts,
-- tenure at the snapshot and 30 / 90 / 180-day attrition.
with

spells as (
    select * from {{ ref('int_hr__employment_spells') }}
),

roster as (
    select
        max(snapshot_date) as as_of_date,
        min(first_delivery_date) as first_roster_date
    from {{ ref('stg_hr__employees') }}
),

versions as (
    select * from {{ ref('dim_employee') }}
)

select
    spells.spell_key,
    spells.employee_id,
    spells.spell_no,
    spells.hire_date,
    {{ hr_month_start('spells.hire_date') }} as hire_month,
    spells.termination_date,
    spells.termination_type,
    spells.termination_reason,
    spells.is_rehire,
    case
        when spells.termination_date is not null
            then {{ hr_days_between('spells.hire_date', 'spells.termination_date') }}
    end as stayed_days,
    case
        when spells.termination_date is null or spells.termination_date >= roster.as_of_date
            then {{ hr_days_between('spells.hire_date', 'roster.as_of_date') }}
        else {{ hr_days_between('spells.hire_date', 'spells.termination_date') }}
    end as tenure_days,
    coalesce(hire_version.employee_sk, '-1') as hire_employee_sk,
    coalesce(hire_version.team_id, '-1') as hire_team_id,
    coalesce(spells.hire_date < roster.first_roster_date, false) as is_hired_before_first_roster,
    roster.first_roster_date,
    roster.as_of_date
from spells
cross join roster
left join versions as hire_version
    on
        spells.employee_id = hire_version.employee_id
        and spells.hire_date >= hire_version.valid_from
        and spells.hire_date < hire_version.valid_to
