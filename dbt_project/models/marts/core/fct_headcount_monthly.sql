-- THE retention fact: periodic snapshot, grain employee x month x employment spell, for every
-- spell employed on at least one day of the month. Months run from the month of the first HR
-- roster delivery to the month of the latest one. "Start" = the first day of the month, "end" =
-- the last day, or the latest roster date for the still-running month (is_complete_month false).
-- Active on day d: hire_date <= d and (termination_date is null or d <= termination_date).
with

roster as (
    select distinct
        snapshot_date,
        first_delivery_date
    from {{ ref('stg_hr__employees') }}
),

months as (
    select distinct
        dim_date.month_start,
        {{ hr_month_end('dim_date.month_start') }} as month_end
    from {{ ref('dim_date') }} as dim_date
    cross join roster
    where
        dim_date.date_day >= {{ hr_month_start('roster.first_delivery_date') }}
        and dim_date.date_day <= roster.snapshot_date
),

periods as (
    select
        months.month_start,
        months.month_end,
        case when months.month_end <= roster.snapshot_date then months.month_end else roster.snapshot_date end
            as period_end,
        coalesce(months.month_end <= roster.snapshot_date, false) as is_complete_month,
        roster.snapshot_date as as_of_date
    from months
    cross join roster
),

spells as (
    select * from {{ ref('int_hr__employment_spells') }}
),

employee_months as (
    select
        periods.*,
        spells.employee_id,
        spells.spell_no,
        spells.hire_date,
        spells.termination_date,
        spells.termination_type,
        spells.is_rehire,
        case
            when spells.termination_date is not null and spells.termination_date < periods.period_end
                then spells.termination_date
            else periods.period_end
        end as last_active_date
    from spells
    inner join periods
        on
            spells.hire_date <= periods.period_end
            and (spells.termination_date is null or spells.termination_date >= periods.month_start)
),

flags as (
    select
        *,
        coalesce(
            hire_date <= month_start and (termination_date is null or termination_date >= month_start), false
        ) as is_active_start,
        coalesce(termination_date is null or termination_date >= period_end, false) as is_active_end,
        coalesce(hire_date >= month_start, false) as is_hired_in_month,
        coalesce(termination_date is not null and termination_date <= period_end, false) as is_separated
    from employee_months
),

versions as (
    select * from {{ ref('dim_employee') }}
),

team_exits as (
    select
        employee_id,
        event_month,
        sum(team_exit_count) as team_exit_count
    from {{ ref('fct_employee_events') }}
    where is_team_change
    group by employee_id, event_month
),

bands as (
    select * from {{ ref('dim_tenure_band') }}
),

joined as (
    select
        flags.*,
        last_version.employee_sk,
        last_version.team_id as last_team_id,
        last_version.job_level as last_job_level,
        last_version.incentive_role as last_incentive_role,
        start_version.team_id as start_team_id,
        coalesce(team_exits.team_exit_count, 0) as team_exit_count,
        case
            when flags.is_active_end
                then {{ hr_days_between(
                    'flags.hire_date', 'flags.period_end'
                ) }}
        end as tenure_days_end
    from flags
    left join versions as last_version
        on
            flags.employee_id = last_version.employee_id
            and flags.last_active_date >= last_version.valid_from
            and flags.last_active_date < last_version.valid_to
    left join versions as start_version
        on
            flags.is_active_start
            and flags.employee_id = start_version.employee_id
            and flags.month_start >= start_version.valid_from
            and flags.month_start < start_version.valid_to
    left join team_exits
        on flags.employee_id = team_exits.employee_id and flags.month_start = team_exits.event_month
)

select
    {{ surrogate_key(['joined.employee_id', 'joined.month_start', 'joined.spell_no']) }} as headcount_key,
    joined.month_start,
    joined.month_end,
    joined.period_end,
    joined.is_complete_month,
    joined.as_of_date,
    joined.employee_id,
    coalesce(joined.employee_sk, '-1') as employee_sk,
    joined.spell_no,
    joined.hire_date,
    {{ hr_month_start('joined.hire_date') }} as hire_month,
    joined.termination_date,
    joined.is_active_start,
    joined.is_active_end,
    joined.is_hired_in_month,
    coalesce(joined.is_hired_in_month and joined.is_rehire, false) as is_rehired_in_month,
    joined.is_separated,
    case when joined.is_separated then coalesce(joined.termination_type, 'other') end as separation_type,
    case when joined.is_separated and joined.termination_type = 'voluntary' then 1 else 0 end
        as voluntary_separation_count,
    case when joined.is_separated and joined.termination_type = 'involuntary' then 1 else 0 end
        as involuntary_separation_count,
    case
        when joined.is_separated and coalesce(joined.termination_type, 'other') not in ('voluntary', 'involuntary')
            then 1
        else 0
    end as other_separation_count,
    joined.team_exit_count,
    coalesce(joined.team_exit_count > 0, false) as is_team_exit,
    case when joined.is_active_start then coalesce(joined.start_team_id, '-1') end as team_start_id,
    case when joined.is_active_end then coalesce(joined.last_team_id, '-1') end as team_end_id,
    coalesce(joined.last_team_id, '-1') as team_id,
    joined.last_job_level as job_level,
    joined.last_incentive_role as incentive_role,
    joined.tenure_days_end,
    bands.tenure_band,
    bands.sort_order as tenure_band_order,
    case when joined.is_active_start then 1 else 0 end as active_start_count,
    case when joined.is_active_end then 1 else 0 end as active_end_count,
    case when joined.is_hired_in_month then 1 else 0 end as hire_count,
    case when joined.is_separated then 1 else 0 end as separation_count
from joined
left join bands
    on
        joined.tenure_days_end >= bands.min_days
        and (bands.max_days is null or joined.tenure_days_end <= bands.max_days)
