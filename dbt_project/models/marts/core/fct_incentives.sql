-- Incentive awards (grain employee x period_month x incentive_type) WITHOUT amounts: who got
-- which incentive in which month, quality-linked or not. amount_cny is sensitive and never
-- leaves staging per person; see fct_incentive_amounts_monthly for the >= 5-recipient aggregates.
with

incentives as (
    select * from {{ ref('stg_hr__incentives') }}
),

employees as (
    select * from {{ ref('dim_employee') }}
)

select
    {{ surrogate_key(['incentives.employee_id', 'incentives.period_month', 'incentives.incentive_type']) }}
        as incentive_key,
    incentives.employee_id,
    coalesce(employees.employee_sk, '-1') as employee_sk,
    coalesce(employees.team_id, '-1') as team_id,
    incentives.period_month_start as period_month,
    incentives.incentive_type,
    coalesce(incentives.is_quality_linked, false) as is_quality_linked,
    1 as award_count
from incentives
left join employees
    on
        incentives.employee_id = employees.employee_id
        and employees.valid_from <= {{ hr_month_end('incentives.period_month_start') }}
        and {{ hr_month_end('incentives.period_month_start') }} < employees.valid_to
